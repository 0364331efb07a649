/**
 * Synced on-demand with a real @tanstack/query-db-collection: PersistDB hands
 * the query collection a `metadata.persistence` capability, so unloading a
 * subset keeps its rows on disk (retention markers instead of deletes), and an
 * offline start answers live queries from the cache, including queries never
 * sent to the source. Across two processes.
 */
import { QueryClient } from '@tanstack/query-core'
import { queryCollectionOptions } from '@tanstack/query-db-collection'
import { createCollection, IR } from '@tanstack/db'
import { afterAll, describe, expect, it } from 'vitest'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { tempDir } from './helpers'
import { readDisk } from './fixtures/synced-disk'
import { SCORED_ITEMS, type ScoredItem } from './fixtures/scored-items'
import { spawnTs } from './fixtures/spawn'
import { waitFor } from './fixtures/synced-source'

const diskRows = (file: string) =>
  (readDisk(file, 'items')?.rows ?? [])
    .filter((row) => row.value !== null)
    .map((row) => row.value as ScoredItem)

describe('on-demand query collection, two processes, offline', () => {
  const tmp = tempDir('persistdb-on-demand-query-')
  afterAll(() => tmp.cleanup())

  it('unloading both subsets keeps every row on disk; an offline process answers a never-sent query from the cache', async () => {
    const file = tmp.file('items.sqlite')

    const online = spawnTs('on-demand-query-child.ts', ['online', file])
    await waitFor(
      () => online.lines.some((line) => line.startsWith('done ')),
      'the online run',
      20_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${online.stderr()}`)
    })
    const done = JSON.parse(online.lines.find((line) => line.startsWith('done '))!.slice(5)) as {
      loaded: number[]
      calls: string[]
    }
    expect(done.loaded).toEqual([20, 20])
    expect([...done.calls].sort()).toEqual(['H', 'L'])
    // Both live queries were cleaned up: the subsets were unloaded, the rows stay cached on disk.
    const byId = (a: ScoredItem, b: ScoredItem) => (a.id < b.id ? -1 : 1)
    expect(diskRows(file).sort(byId)).toEqual([...SCORED_ITEMS].sort(byId))
    online.process.kill('SIGKILL')
    await online.exited

    const offline = spawnTs('on-demand-query-child.ts', ['offline', file])
    const exit = await offline.exited
    expect(exit.code, offline.stderr()).toBe(0)
    const result = JSON.parse(offline.lines.find((line) => line.startsWith('result '))!.slice(7)) as {
      rows: ScoredItem[]
      calls: string[]
      status: { state: string; sourceError?: unknown }
    }
    const expected = SCORED_ITEMS.filter((item) => item.score > 50)
      .sort((a, b) => b.score - a.score)
      .slice(0, 5)
    expect(result.rows).toEqual(expected)
    // The query did reach the source (which failed): the answer came from SQLite.
    expect(result.calls.length).toBeGreaterThan(0)
    expect(result.status.state).toBe('ok')
    expect(result.status).toHaveProperty('sourceError')
    expect(diskRows(file)).toHaveLength(SCORED_ITEMS.length)
  })

  it('failure mode 16 with a query collection: a subset loaded once answers true synchronously the second time', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const persistence = createNodeSQLitePersistence({ path: tmp.file('fm16.sqlite') })
    let fetches = 0
    const collection = createCollection(
      persistedCollectionOptions({
        ...queryCollectionOptions({
          queryKey: (opts) => (opts.where ? ['items', JSON.stringify(opts.where)] : ['items']),
          queryFn: async () => {
            fetches++
            return SCORED_ITEMS.filter((item) => item.category === 'H')
          },
          queryClient,
          getKey: (row: ScoredItem) => row.id,
          syncMode: 'on-demand',
        }),
        id: 'items',
        persistence,
      }),
    )
    collection.startSyncImmediate()
    const where = new IR.Func('eq', [new IR.PropRef(['category']), new IR.Value('H')])
    const first = collection._sync.loadSubset({ where })
    expect(first).toBeInstanceOf(Promise)
    await first
    expect(collection._sync.loadSubset({ where })).toBe(true)
    expect(fetches).toBe(1)
    expect(collection.size).toBe(20)
    await collection.cleanup()
    await persistence.close()
    queryClient.clear()
  })
})
