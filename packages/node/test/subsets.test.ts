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
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { createNodeSQLitePersistence, createSQLitePersistence, persistedCollectionOptions } from '../src'
import { AsyncBetterSqliteDriver } from '../../core/test/support/sqlite-test-driver'
import { rowsOf, tempDir } from './helpers'
import { execOnDisk, readDisk } from './fixtures/synced-disk'
import { sleep, waitFor } from './fixtures/synced-source'

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
  if (ref?.type !== 'ref' || JSON.stringify(ref.path) !== '["category"]' || val?.type !== 'val')
    return undefined
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

function openOnDemand(
  file: string,
  queryFn: (ctx: QueryFunctionContext) => Promise<Item[]>,
  driver: 'sync' | 'async' = 'sync',
) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const persistence =
    driver === 'sync'
      ? createNodeSQLitePersistence({ path: file })
      : createSQLitePersistence({ driver: new AsyncBetterSqliteDriver(file) })
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
      await persistence.close()
      queryClient.clear()
    },
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

/** Live queries whose source collection was cleaned up first log this; expected in these tests. */
function quietLiveQueryErrors(): void {
  const original = console.error
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('[Live Query Error]')) return
    original(...args)
  })
}

type Run = ReturnType<typeof openOnDemand>

/**
 * Ends a run like a process that shuts down: the collection first (its fence closes before the query
 * collection's cleanup deletes), then the live queries.
 */
async function shutDown(run: Run, lives: Array<{ cleanup: () => Promise<void> }>): Promise<void> {
  await run.close()
  for (const live of lives) await live.cleanup()
}

/** Run 1: both subsets loaded through live queries, every row persisted with its subset as owner. */
async function loadBothSubsets(file: string): Promise<void> {
  const source = subsetSource([H1, H2, L1, L2])
  const run = openOnDemand(file, source.queryFn)
  const h = run.live('H')
  const l = run.live('L')
  await Promise.all([h.preload(), l.preload()])
  // loadSubset reached the query collection: one request per subset, each scoped by its predicate.
  expect([...source.state.calls].sort()).toEqual(['H', 'L'])
  expect(rowsOf(run.collection)).toEqual([H1, H2, L1, L2])
  expect(rowsOf(h)).toEqual([H1, H2])
  expect(rowsOf(l)).toEqual([L1, L2])
  // On disk (plain better-sqlite3): every row, owned by exactly its own subset's query.
  const disk = readDisk(file, ID)!
  expect(disk.rows.map((r) => r.value)).toEqual([H1, H2, L1, L2])
  expect(disk.rows.map((r) => [r.key, ownersOf(r.meta)])).toEqual([
    ['h1', [H_QUERY]],
    ['h2', [H_QUERY]],
    ['l1', [L_QUERY]],
    ['l2', [L_QUERY]],
  ])
  await shutDown(run, [h, l])
  expect(diskIds(file)).toEqual(['h1', 'h2', 'l1', 'l2'])
}

const H_QUERY = JSON.stringify(['items', 'H'])
const L_QUERY = JSON.stringify(['items', 'L'])

describe('on-demand subsets made durable', () => {
  const tmp = tempDir('persistdb-subsets-')
  afterAll(() => tmp.cleanup())
  afterEach(() => vi.restoreAllMocks())

  it("failure mode 8: disjoint queries delete each other's rows — after a restart L answers [] first, H answers later: H's rows survive", async () => {
    quietLiveQueryErrors()
    const file = tmp.file('h-later.sqlite')
    await loadBothSubsets(file)

    // Restart. Upstream, L's rows are gone and h2 changed; H's answer is held until L's was applied.
    const H2b: Item = { ...H2, title: 'H two, edited' }
    const source = subsetSource([H1, H2b])
    source.hold('H')
    const run = openOnDemand(file, source.queryFn)
    run.collection.startSyncImmediate()
    // On-demand: nothing is restored up front; each subset loads its rows from SQLite when requested.
    expect(rowsOf(run.collection)).toEqual([])
    // H is requested first (a live query loads its subset on preload or on its first subscriber).
    const h = run.live('H')
    const hLoaded = h.preload()
    await waitFor(() => source.state.calls.includes('H'), 'H to be requested')
    // H's cached rows came from SQLite before the source answered.
    expect(rowsOf(run.collection)).toEqual([H1, H2])
    const l = run.live('L')
    await l.preload()
    await waitFor(() => !run.collection.has('l1'), "L's empty answer to apply")
    // H was asked first and is still unanswered; L answered [] and that was applied.
    expect(source.state.calls).toEqual(['H', 'L'])
    expect(source.state.answered).toEqual(['L'])
    expect(h.status).toBe('loading')
    // H's rows survive, in memory and on disk, still owned by H; L's rows are gone (the source said so).
    expect(rowsOf(run.collection)).toEqual([H1, H2])
    expect(rowsOf(l)).toEqual([])
    expect(rowsOf(h)).toEqual([H1, H2])
    const disk = readDisk(file, ID)!
    expect(disk.rows.map((r) => r.value)).toEqual([H1, H2])
    expect(disk.rows.map((r) => ownersOf(r.meta))).toEqual([[H_QUERY], [H_QUERY]])
    expect([...disk.meta.keys()]).toEqual(['h1', 'h2'])

    // H's answer arrives: it updates H's rows and brings nothing of L back.
    source.release('H')
    await hLoaded
    await waitFor(() => run.collection.get('h2')?.title === H2b.title, "H's answer to apply")
    expect(source.state.answered).toEqual(['L', 'H'])
    expect(rowsOf(run.collection)).toEqual([H1, H2b])
    expect(readDisk(file, ID)!.rows.map((r) => r.value)).toEqual([H1, H2b])
    await shutDown(run, [h, l])

    // A further restart with the source unreachable: H's rows are what is on disk and what hydrates.
    expect(readDisk(file, ID)!.rows.map((r) => [r.value, ownersOf(r.meta)])).toEqual([
      [H1, [H_QUERY]],
      [H2b, [H_QUERY]],
    ])
    const offline = subsetSource([])
    offline.hang('H')
    offline.hang('L')
    const again = openOnDemand(file, offline.queryFn)
    const hAgain = again.live('H')
    void hAgain.preload()
    await waitFor(() => again.collection.size === 2, "H's cached rows")
    expect(rowsOf(again.collection)).toEqual([H1, H2b])
    expect(rowsOf(hAgain)).toEqual([H1, H2b])
    await shutDown(again, [hAgain])
  })

  it("failure mode 8: disjoint queries delete each other's rows — L answers [] and H never answers: H's rows survive two restarts", async () => {
    quietLiveQueryErrors()
    const file = tmp.file('h-never.sqlite')
    await loadBothSubsets(file)

    const source = subsetSource([])
    source.hang('H')
    const run = openOnDemand(file, source.queryFn)
    const h = run.live('H')
    void h.preload()
    const l = run.live('L')
    await l.preload()
    await waitFor(() => !run.collection.has('l1') && !run.collection.has('l2'), "L's empty answer to apply")
    expect([...source.state.calls].sort()).toEqual(['H', 'L'])
    expect(source.state.answered).toEqual(['L'])
    expect(rowsOf(run.collection)).toEqual([H1, H2])
    expect(rowsOf(h)).toEqual([H1, H2])
    expect(readDisk(file, ID)!.rows.map((r) => r.value)).toEqual([H1, H2])
    await shutDown(run, [h, l])
    expect(readDisk(file, ID)!.rows.map((r) => [r.value, ownersOf(r.meta)])).toEqual([
      [H1, [H_QUERY]],
      [H2, [H_QUERY]],
    ])

    // Second restart: L answers [] again first, H still never answers. Nothing of H is lost.
    const second = subsetSource([])
    second.hang('H')
    const run2 = openOnDemand(file, second.queryFn)
    const h2 = run2.live('H')
    void h2.preload()
    const l2 = run2.live('L')
    await l2.preload()
    await waitFor(() => second.state.calls.length === 2, 'both subsets to be requested')
    expect(second.state.answered).toEqual(['L'])
    expect(rowsOf(h2)).toEqual([H1, H2])
    expect(rowsOf(run2.collection)).toEqual([H1, H2])
    await shutDown(run2, [h2, l2])
    expect(readDisk(file, ID)!.rows.map((r) => r.value)).toEqual([H1, H2])
  })

  it("failure mode 8 with an async driver: L is requested before the restore finished; it still reaches the source, H's rows survive", async () => {
    quietLiveQueryErrors()
    const file = tmp.file('async.sqlite')
    await loadBothSubsets(file)

    const source = subsetSource([])
    source.hang('H')
    const run = openOnDemand(file, source.queryFn, 'async')
    const h = run.live('H')
    void h.preload()
    const l = run.live('L')
    const lLoaded = l.preload()
    // The async restore has not finished: nothing is in memory yet.
    expect(run.collection.size).toBe(0)
    await lLoaded
    await waitFor(() => run.collection.has('h1'), 'the restore')
    await waitFor(() => !run.collection.has('l1') && !run.collection.has('l2'), "L's empty answer to apply")
    // Both subsets were forwarded to the query collection although requested during the restore.
    expect([...source.state.calls].sort()).toEqual(['H', 'L'])
    expect(source.state.answered).toEqual(['L'])
    expect(rowsOf(run.collection)).toEqual([H1, H2])
    await waitFor(() => diskIds(file).length === 2, "L's deletes to reach the disk")
    expect(readDisk(file, ID)!.rows.map((r) => [r.value, ownersOf(r.meta)])).toEqual([
      [H1, [H_QUERY]],
      [H2, [H_QUERY]],
    ])
    await shutDown(run, [h, l])
    expect(diskIds(file)).toEqual(['h1', 'h2'])
  })

  it("control for failure mode 8: with the stored owners stripped, L's complete [] retires only rows in L's scope, never H's", async () => {
    quietLiveQueryErrors()
    const file = tmp.file('control.sqlite')
    await loadBothSubsets(file)
    execOnDisk(file, `UPDATE "${readDisk(file, ID)!.table}" SET meta = NULL`)
    const source = subsetSource([])
    source.hang('H')
    const run = openOnDemand(file, source.queryFn)
    const h = run.live('H')
    void h.preload()
    const l = run.live('L')
    await l.preload()
    await waitFor(() => source.state.answered.includes('L'), "L's answer")
    await sleep(20)
    // With persistence, a complete answer for L settles the ownerless rows inside L's predicate (the source
    // says L is empty); H's rows lie outside it and survive although nobody is recorded as their owner.
    expect(rowsOf(run.collection)).toEqual([H1, H2])
    await shutDown(run, [h, l])
    expect(diskIds(file)).toEqual(['h1', 'h2'])
  })

  it('failure mode 11 for on-demand subsets: unloading a subset during a run keeps its rows on disk (retention marker, no deletes)', async () => {
    const file = tmp.file('unload.sqlite')
    const source = subsetSource([H1, H2, L1, L2])
    const run = openOnDemand(file, source.queryFn)
    const h = run.live('H')
    const l = run.live('L')
    await Promise.all([h.preload(), l.preload()])
    expect(diskIds(file)).toEqual(['h1', 'h2', 'l1', 'l2'])
    // L's last live query goes: the query collection unloads L's subset during the live run.
    await l.cleanup()
    await sleep(20)
    expect(diskIds(file)).toEqual(['h1', 'h2', 'l1', 'l2'])
    // It recorded a retention marker for L's query instead of deleting its rows.
    const markers = [...readDisk(file, ID)!.collectionMeta.keys()].filter((key) =>
      key.startsWith('queryCollection:gc:'),
    )
    expect(markers).toEqual([`queryCollection:gc:${L_QUERY}`])
    await h.cleanup()
    await sleep(20)
    expect(diskIds(file)).toEqual(['h1', 'h2', 'l1', 'l2'])
    await run.close()
    expect(diskIds(file)).toEqual(['h1', 'h2', 'l1', 'l2'])
  })
})
