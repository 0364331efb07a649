import { BasicIndex, createCollection, lower, type SyncConfig } from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '@persistdb/node'

export interface Todo {
  id: string
  title: string
  due: Date
  views: bigint
  thumb: Uint8Array
  tags: Set<string>
  extra: Map<string, number>
  note: string | undefined
  score: number
  meta: { priority: number }
}

export interface Price {
  id: number
  symbol: string
  cents: bigint
}

/** The rows the sample file holds, as the app sees them (the tests compare the CLI's output to these). */
export const TODOS: readonly Todo[] = [
  {
    id: 'a',
    title: 'Write the CLI',
    due: new Date('2026-12-03T09:50:00.000Z'),
    views: 12345678901234567890n,
    thumb: new Uint8Array([0, 1, 254, 255]),
    tags: new Set(['cli', 'tools']),
    extra: new Map([['x', 1]]),
    note: undefined,
    score: -0,
    meta: { priority: 1 },
  },
  {
    id: 'b',
    title: 'Verify files',
    due: new Date(Number.NaN),
    views: -5n,
    thumb: new Uint8Array(),
    tags: new Set(),
    extra: new Map(),
    note: 'with a "$pdb" look-alike: {"$pdb":"d"}',
    score: Number.NaN,
    meta: { priority: 2 },
  },
]

export const PRICES: readonly Price[] = [
  { id: 1, symbol: 'ACME', cents: 1999n },
  { id: 2, symbol: 'INIT', cents: 5n },
  { id: 10, symbol: 'TEN', cents: 10n },
]

/** A synced source that answers at once, keeps a cursor in collection metadata and owners in row metadata. */
function pricesSource(): SyncConfig<Price, number> {
  return {
    sync: ({ begin, write, commit, markReady, metadata }) => {
      begin()
      for (const price of PRICES) {
        write({ type: 'insert', value: price })
        metadata?.row.set(price.id, { owner: 'feed', at: new Date(0) })
      }
      metadata?.collection.set('cursor', 42n)
      commit()
      markReady()
      return () => undefined
    },
  }
}

/**
 * Writes a PersistDB file with the real Node runtime: a local-only collection (string keys, every tagged
 * type, two persisted indexes, on demand) and a synced one (number keys, row and collection metadata).
 */
export async function writeSampleDatabase(path: string): Promise<void> {
  const persistence = createNodeSQLitePersistence({ path })
  const todos = createCollection(
    persistedCollectionOptions<Todo, string>({
      id: 'todos',
      getKey: (t) => t.id,
      persistence,
      schemaVersion: 3,
      // On-demand collections keep SQLite indexes in step with their own.
      syncMode: 'on-demand',
      defaultIndexType: BasicIndex,
    }),
  )
  const prices = createCollection(
    persistedCollectionOptions({
      id: 'prices',
      getKey: (p: Price) => p.id,
      sync: pricesSource(),
      persistence,
      schemaVersion: 1,
    }),
  )
  todos.startSyncImmediate()
  await new Promise<void>((resolve) => todos.onFirstReady(() => resolve()))
  await prices.preload()
  todos.createIndex((t) => lower(t.title))
  todos.createIndex((t) => t.meta.priority)
  for (const todo of TODOS) todos.insert(todo)
  await todos.cleanup()
  await prices.cleanup()
  await persistence.close()
}
