/**
 * A real @tanstack/query-db-collection (QueryClient, retry off) made durable
 * with PersistDB, against an in-memory source behind an async queryFn.
 * "Restart" = close the persistence and open a fresh persistence, QueryClient
 * and collection on the same file.
 */
import { QueryClient } from '@tanstack/query-core'
import { queryCollectionOptions } from '@tanstack/query-db-collection'
import {
  createCollection,
  createLiveQueryCollection,
  createLiveQueryObserver,
  PERSISTED_READINESS,
  type PersistedReadinessSource,
} from '@tanstack/db'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { rowsOf, tempDir } from './helpers'
import { execOnDisk, readDisk } from './fixtures/synced-disk'
import { querySource, sleep, waitFor, type Row } from './fixtures/synced-source'

const ID = 'todos'

interface OpenOptions {
  offlineReadyTimeoutMs?: number
  networkTimeoutMs?: number
  gcTime?: number
}

function queryConfig(file: string, queryFn: () => Promise<Row[]>, options: OpenOptions = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const persistence = createNodeSQLitePersistence({ path: file })
  const config = persistedCollectionOptions({
    ...queryCollectionOptions({ queryKey: ['todos'], queryFn, queryClient, getKey: (row: Row) => row.id }),
    id: ID,
    persistence,
    offlineReadyTimeoutMs: options.offlineReadyTimeoutMs ?? 300,
    ...(options.networkTimeoutMs === undefined ? {} : { networkTimeoutMs: options.networkTimeoutMs }),
    ...(options.gcTime === undefined ? {} : { gcTime: options.gcTime }),
  })
  return { config, persistence, queryClient }
}

function openQuery(file: string, queryFn: () => Promise<Row[]>, options: OpenOptions = {}) {
  const { config, persistence, queryClient } = queryConfig(file, queryFn, options)
  const collection = createCollection(config)
  return {
    config,
    collection,
    persistence,
    queryClient,
    async close() {
      await collection.cleanup()
      persistence.close()
      queryClient.clear()
    },
  }
}

const A = { id: 'a', title: 'A' }
const B = { id: 'b', title: 'B' }
const C = { id: 'c', title: 'C' }

/** Fills a fresh file through the real query collection, then closes it. */
async function seedFile(file: string, rows: Row[] = [A, B, C]): Promise<void> {
  const source = querySource(rows)
  const first = openQuery(file, source.queryFn)
  await first.collection.preload()
  expect(rowsOf(first.collection)).toEqual(rows)
  await first.close()
}

/** query-db-collection logs every failed fetch with console.error; expected here. */
function quietQueryErrors(): void {
  const original = console.error
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('[QueryCollection]')) return
    original(...args)
  })
}

function observedRows(data: unknown): Row[] {
  if (!Array.isArray(data)) throw new Error('expected the observer to hold an array of rows')
  return [...(data as Row[])]
}

function ownersOf(meta: unknown): string[] {
  const owners = (meta as { queryCollection?: { owners?: Record<string, true> } } | undefined)
    ?.queryCollection?.owners
  return Object.keys(owners ?? {})
}

describe('query collection made durable', () => {
  const tmp = tempDir('persistdb-query-')
  afterAll(() => tmp.cleanup())
  afterEach(() => vi.restoreAllMocks())

  it('eager restart: cached rows before the source answers; ownership survives; source changes apply and persist', async () => {
    const file = tmp.file('eager.sqlite')
    await seedFile(file)
    // Query ownership is row metadata, and it is on disk.
    const disk = readDisk(file, ID)!
    expect(disk.rows.map((r) => r.key)).toEqual(['a', 'b', 'c'])
    for (const row of disk.rows) expect(ownersOf(row.meta)).toHaveLength(1)

    const source = querySource([{ id: 'a', title: 'A2' }, C])
    source.gate()
    const second = openQuery(file, source.queryFn, { offlineReadyTimeoutMs: 10_000 })
    const preloaded = second.collection.preload()
    // The source has not answered: these rows come from SQLite.
    expect(source.state.answered).toBe(0)
    expect(rowsOf(second.collection)).toEqual([A, B, C])
    expect(second.collection.status).toBe('loading')
    const restoredMeta = second.collection._state.syncedMetadata.get('b')
    expect(ownersOf(restoredMeta)).toEqual(ownersOf(disk.meta.get('b')))

    source.release()
    await preloaded
    await waitFor(() => rowsOf(second.collection).length === 2, 'the refetch to apply')
    expect(source.state.answered).toBe(1)
    // 'b' is no longer returned: its restored owner lets the query remove it.
    expect(rowsOf(second.collection)).toEqual([{ id: 'a', title: 'A2' }, C])
    expect(readDisk(file, ID)!.rows.map((r) => r.value)).toEqual([{ id: 'a', title: 'A2' }, C])
    await second.close()

    // Third run, source offline: the applied change is what was kept.
    const offline = querySource([])
    offline.state.mode = 'hang'
    const third = openQuery(file, offline.queryFn)
    third.collection.startSyncImmediate()
    expect(rowsOf(third.collection)).toEqual([{ id: 'a', title: 'A2' }, C])
    await third.collection.preload()
    expect(rowsOf(third.collection)).toEqual([{ id: 'a', title: 'A2' }, C])
    await third.close()
  })

  it('control for the test above: with the stored owners stripped, the query cannot remove the dropped row', async () => {
    const file = tmp.file('eager-control.sqlite')
    await seedFile(file)
    execOnDisk(file, `UPDATE "${readDisk(file, ID)!.table}" SET meta = NULL`)
    const source = querySource([{ id: 'a', title: 'A2' }, C])
    const run = openQuery(file, source.queryFn)
    await run.collection.preload()
    await waitFor(() => run.collection.get('a')?.title === 'A2', 'the refetch to apply')
    // 'b' survives: so the removal above was driven by the restored ownership metadata.
    expect(rowsOf(run.collection).map((r) => r.id)).toEqual(['a', 'b', 'c'])
    await run.close()
  })

  it('failure mode 11: cleanup wipes the cache — collection.cleanup() leaves every row on disk', async () => {
    const file = tmp.file('cleanup.sqlite')
    const source = querySource([A, B, C])
    const run = openQuery(file, source.queryFn)
    await run.collection.preload()
    await run.collection.cleanup()
    expect(run.collection.status).toBe('cleaned-up')
    // The query collection's cleanup wrote a delete per row it owned; none reached SQLite.
    expect(readDisk(file, ID)!.rows.map((r) => r.value)).toEqual([A, B, C])
    run.persistence.close()
    run.queryClient.clear()

    const offline = querySource([])
    offline.state.mode = 'hang'
    const again = openQuery(file, offline.queryFn)
    again.collection.startSyncImmediate()
    expect(rowsOf(again.collection)).toEqual([A, B, C])
    await again.close()
  })

  it('failure mode 11: garbage collection of an unused synced collection keeps the rows on disk', async () => {
    const file = tmp.file('gc.sqlite')
    const source = querySource([A, B])
    const run = openQuery(file, source.queryFn, { gcTime: 20 })
    const subscription = run.collection.subscribeChanges(() => undefined)
    await run.collection.preload()
    subscription.unsubscribe()
    await waitFor(() => run.collection.status === 'cleaned-up', 'garbage collection')
    expect(readDisk(file, ID)!.rows.map((r) => r.value)).toEqual([A, B])
    await run.close()
  })

  it('failure mode 13: offline start never ready — a source that never answers: ready with cached rows', async () => {
    const file = tmp.file('offline-hang.sqlite')
    await seedFile(file)
    const source = querySource([])
    source.state.mode = 'hang'
    const run = openQuery(file, source.queryFn, { offlineReadyTimeoutMs: 300 })
    await run.collection.preload()
    expect(run.collection.status).toBe('ready')
    expect(source.state.calls).toBeGreaterThan(0)
    expect(source.state.answered).toBe(0)
    expect(rowsOf(run.collection)).toEqual([A, B, C])
    expect(run.collection.utils.getPersistenceStatus()).toEqual({ state: 'ok' })
    await run.close()
  })

  it('failure mode 13: offline start never ready — a source that rejects: ready with cached rows and sourceError', async () => {
    const file = tmp.file('offline-reject.sqlite')
    await seedFile(file)
    const source = querySource([])
    source.state.mode = 'reject'
    quietQueryErrors()
    const run = openQuery(file, source.queryFn, { offlineReadyTimeoutMs: 10_000 })
    await run.collection.preload()
    expect(run.collection.status).toBe('ready')
    expect(rowsOf(run.collection)).toEqual([A, B, C])
    const status = run.collection.utils.getPersistenceStatus()
    expect(status.state).toBe('ok')
    expect(status.sourceError).toBe(source.state.error)
    // Nothing was deleted on disk by the failed fetch.
    expect(readDisk(file, ID)!.rows).toHaveLength(3)
    await run.close()
  })

  it('failure mode 13: no cache and a rejecting source ends in error, not fake readiness', async () => {
    const file = tmp.file('offline-empty.sqlite')
    const source = querySource([])
    source.state.mode = 'reject'
    quietQueryErrors()
    const run = openQuery(file, source.queryFn, { offlineReadyTimeoutMs: 50 })
    run.collection.startSyncImmediate()
    await waitFor(() => run.collection.status !== 'loading', 'the collection to settle')
    // Past the offline timeout too: an empty cache is never "ready".
    await sleep(100)
    expect(run.collection.status).toBe('error')
    expect(rowsOf(run.collection)).toEqual([])
    expect(run.collection.utils.getPersistenceStatus().sourceError).toBeUndefined()
    await run.close()
  })

  it('PERSISTED_READINESS: enumerable on the config, ready after restore; a live query observer renders restored rows first', async () => {
    const file = tmp.file('readiness.sqlite')
    await seedFile(file)
    const source = querySource([{ id: 'a', title: 'A2' }])
    source.gate()
    const run = openQuery(file, source.queryFn, { offlineReadyTimeoutMs: 10_000, networkTimeoutMs: 50 })
    expect(Object.getOwnPropertySymbols(run.config)).toContain(PERSISTED_READINESS)
    expect(Object.prototype.propertyIsEnumerable.call(run.config, PERSISTED_READINESS)).toBe(true)
    const readiness = (run.config as unknown as Record<symbol, PersistedReadinessSource>)[
      PERSISTED_READINESS
    ]!
    expect(readiness.getSnapshot().status).toBe('loading')

    const live = createLiveQueryCollection((q) => q.from({ todo: run.collection }))
    const observer = createLiveQueryObserver(live)
    const stop = observer.subscribe(() => undefined)
    await observer.preloadForInitialRender()
    // Restored, rendered, and the source still has not answered.
    expect(readiness.getSnapshot().status).toBe('ready')
    expect(source.state.answered).toBe(0)
    expect(run.collection.status).toBe('loading')
    const snapshot = observer.getSnapshot()
    expect(snapshot.persistedStatus).toBe('ready')
    expect(rowsOf({ toArray: observedRows(snapshot.data) })).toEqual([A, B, C])

    source.release()
    await run.collection.preload()
    await waitFor(
      () => observedRows(observer.getSnapshot().data).length === 1,
      'the observer to see the source',
    )
    expect(rowsOf({ toArray: observedRows(observer.getSnapshot().data) })).toEqual([{ id: 'a', title: 'A2' }])
    stop()
    observer.dispose()
    await live.cleanup()
    await run.close()
  })
})
