/**
 * Failure mode 8 (#1379): disjoint on-demand subsets of one query collection
 * must never delete each other's rows. A real @tanstack/query-db-collection in
 * `syncMode: 'on-demand'`, made durable with PersistDB, two live queries
 * (category H and category L) against a fake source whose answers the test
 * holds and releases per subset. "Restart" = close the persistence and open a
 * fresh persistence, QueryClient and collection on the same file.
 */
import { QueryClient, type QueryFunctionContext } from '@tanstack/query-core'
import { queryCollectionOptions } from '@tanstack/query-db-collection'
import { createCollection, createLiveQueryCollection, eq } from '@tanstack/db'
import { afterAll, describe, expect, it } from 'vitest'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { rowsOf, tempDir } from './helpers'
import { readDisk } from './fixtures/synced-disk'
import { sleep } from './fixtures/synced-source'

const ID = 'items'

type Category = 'H' | 'L'

interface Item {
  id: string
  category: Category
  title: string
  [key: string]: unknown
}

/** The category of an `eq(category, X)` loadSubset predicate (IR tree), if that is what it is. */
function categoryOf(where: unknown): Category | undefined {
  const node = where as { type?: string; name?: string; args?: Array<Record<string, unknown>> } | undefined
  if (node?.type !== 'func' || node.name !== 'eq' || node.args?.length !== 2) return undefined
  const [ref, val] = node.args
  if (ref?.type !== 'ref' || JSON.stringify(ref.path) !== '["category"]' || val?.type !== 'val') return undefined
  return val.value === 'H' || val.value === 'L' ? val.value : undefined
}

/**
 * An upstream serving rows by category. Each category can be held (answers wait for `release`), or made
 * to hang for good. It records every call with the subset it asked for.
 */
function subsetSource(rows: Item[]) {
  const state = {
    rows: rows.map((r) => ({ ...r })),
    calls: [] as Array<Category | 'all'>,
    answered: [] as Array<Category | 'all'>,
  }
  const held = new Map<Category, Array<() => void>>()
  const hanging = new Set<Category>()
  const queryFn = async (ctx: QueryFunctionContext): Promise<Item[]> => {
    const options = (ctx.meta as { loadSubsetOptions?: { where?: unknown } } | undefined)?.loadSubsetOptions
    const category = categoryOf(options?.where)
    state.calls.push(category ?? 'all')
    if (category && hanging.has(category)) return new Promise<Item[]>(() => undefined)
    const waiting = category && held.get(category)
    if (waiting) await new Promise<void>((resolve) => waiting.push(resolve))
    await sleep(2)
    state.answered.push(category ?? 'all')
    return state.rows.filter((r) => category === undefined || r.category === category).map((r) => ({ ...r }))
  }
  return {
    state,
    queryFn,
    hold(category: Category) {
      if (!held.has(category)) held.set(category, [])
    },
    hang(category: Category) {
      hanging.add(category)
    },
    release(category: Category) {
      const waiting = held.get(category) ?? []
      held.delete(category)
      for (const resolve of waiting) resolve()
    },
  }
}

function openOnDemand(file: string, queryFn: (ctx: QueryFunctionContext) => Promise<Item[]>) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const persistence = createNodeSQLitePersistence({ path: file })
  const collection = createCollection(
    persistedCollectionOptions({
      ...queryCollectionOptions({
        // The subset is part of the key: H and L are two queries with their own row ownership.
        queryKey: (opts) => {
          const category = categoryOf(opts.where)
          return category ? ['items', category] : ['items']
        },
        queryFn,
        queryClient,
        getKey: (row: Item) => row.id,
        syncMode: 'on-demand',
      }),
      id: ID,
      persistence,
      offlineReadyTimeoutMs: 200,
    }),
  )
  const live = (category: Category) =>
    createLiveQueryCollection({
      query: (q) => q.from({ item: collection }).where(({ item }) => eq(item.category, category)),
      startSync: true,
    })
  return {
    collection,
    persistence,
    queryClient,
    live,
    async close() {
      await collection.cleanup()
      persistence.close()
      queryClient.clear()
    },
  }
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

const H1: Item = { id: 'h1', category: 'H', title: 'H one' }
const H2: Item = { id: 'h2', category: 'H', title: 'H two' }
const L1: Item = { id: 'l1', category: 'L', title: 'L one' }
const L2: Item = { id: 'l2', category: 'L', title: 'L two' }

const diskIds = (file: string) => (readDisk(file, ID)?.rows ?? []).map((r) => r.key)

function ownersOf(meta: unknown): string[] {
  const owners = (meta as { queryCollection?: { owners?: Record<string, true> } } | undefined)
    ?.queryCollection?.owners
  return Object.keys(owners ?? {})
}

describe('on-demand subsets made durable', () => {
  const tmp = tempDir('persistdb-subsets-')
  afterAll(() => tmp.cleanup())

  it('explore', async () => {
    const file = tmp.file('explore.sqlite')
    const source = subsetSource([H1, H2, L1, L2])
    const run = openOnDemand(file, source.queryFn)
    const h = run.live('H')
    const l = run.live('L')
    await h.preload()
    await l.preload()
    console.log('calls', source.state.calls, 'rows', rowsOf(run.collection).map((r) => r.id))
    await l.cleanup()
    await sleep(50)
    console.log('after L cleanup', diskIds(file), rowsOf(run.collection).map((r) => r.id))
    await h.cleanup()
    await run.close()
    console.log('after close', diskIds(file))
  })

  it('explore restart', async () => {
    const file = tmp.file('explore2.sqlite')
    const source = subsetSource([H1, H2, L1, L2])
    const run = openOnDemand(file, source.queryFn)
    const h = run.live('H')
    const l = run.live('L')
    await h.preload()
    await l.preload()
    await run.close()
    console.log('after close', diskIds(file))
    const source2 = subsetSource([H1, H2])
    source2.hang('H')
    const run2 = openOnDemand(file, source2.queryFn)
    run2.collection.startSyncImmediate()
    console.log('hydrated', rowsOf(run2.collection).map((r) => r.id), run2.collection.status)
    const l2 = run2.live('L')
    const h2 = run2.live('H')
    await l2.preload()
    await sleep(20)
    console.log('calls', source2.state.calls, source2.state.answered)
    console.log('after L', rowsOf(run2.collection).map((r) => r.id), diskIds(file), rowsOf(l2).length, rowsOf(h2).length)
    const disk = readDisk(file, ID)!
    console.log(disk.rows.map((r) => [r.key, ownersOf(r.meta)]), disk.collectionMeta)
    await run2.close()
    console.log('after close 2', diskIds(file))
  })
})
