/**
 * On-demand persisted collections (local-only): rows load per live query from
 * SQLite, nothing up front; a loaded subset answers synchronously (failure mode
 * 16); SQLite indexes follow createIndex / removeIndex; reads never take the
 * write lock (failure mode 26).
 */
import Database from 'better-sqlite3'
import {
  BasicIndex,
  createCollection,
  createLiveQueryCollection,
  eq,
  gt,
  IR,
  type Collection,
} from '@tanstack/db'
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createNodeSQLitePersistence, createSQLitePersistence, persistedCollectionOptions } from '../src'
import { AsyncBetterSqliteDriver } from '../../core/test/support/sqlite-test-driver'
import { tempDir, withoutVirtualProps } from './helpers'

interface Item {
  id: string
  category: 'a' | 'b' | 'c'
  score: number
  at: Date
}

const ITEMS: Item[] = Array.from({ length: 300 }, (_, i) => ({
  id: `item-${String(i).padStart(3, '0')}`,
  category: (['a', 'b', 'c'] as const)[i % 3]!,
  score: (i * 37) % 301,
  at: new Date(Date.UTC(2026, 0, 1) + i * 1500),
}))

function open(file: string, syncMode: 'eager' | 'on-demand', driver: 'sync' | 'async' = 'sync') {
  const persistence =
    driver === 'sync'
      ? createNodeSQLitePersistence({ path: file, busyTimeoutMs: 0 })
      : createSQLitePersistence({ driver: new AsyncBetterSqliteDriver(file) })
  const collection = createCollection(
    persistedCollectionOptions<Item, string>({
      id: 'items',
      getKey: (row) => row.id,
      persistence,
      syncMode,
      defaultIndexType: BasicIndex,
    }),
  )
  return {
    persistence,
    collection,
    async close() {
      await collection.cleanup()
      await persistence.close()
    },
  }
}

async function seed(file: string): Promise<void> {
  const run = open(file, 'eager')
  await run.collection.preload()
  const tx = run.collection.insert(ITEMS)
  await tx.isPersisted.promise
  await run.close()
}

// TanStack's advice to index ordered fields is beside the point in most of these tests.
beforeEach(() => {
  const warn = console.warn
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('orderBy with limit requires an index')) return
    warn(...args)
  })
  return () => vi.restoreAllMocks()
})

/** Starts an on-demand collection's sync and waits until it is ready (preload() is a no-op for on-demand). */
function started(collection: Collection<Item, string>): Promise<void> {
  collection.startSyncImmediate()
  return new Promise((resolve) => collection.onFirstReady(() => resolve()))
}

const ids = (rows: Iterable<{ id: string }>) => [...rows].map((row) => row.id)

function topScores(collection: Collection<Item, string>, category: Item['category'], limit: number) {
  return createLiveQueryCollection({
    query: (q) =>
      q
        .from({ item: collection })
        .where(({ item }) => eq(item.category, category))
        .orderBy(({ item }) => item.score, 'desc')
        .limit(limit),
    startSync: true,
  })
}

function expectedTop(category: Item['category'], limit: number): string[] {
  return ITEMS.filter((item) => item.category === category)
    .sort((x, y) => y.score - x.score)
    .slice(0, limit)
    .map((item) => item.id)
}

const indexNames = (file: string): string[] => {
  const db = new Database(file, { readonly: true })
  try {
    return (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).all() as Array<{
        name: string
      }>
    ).map((row) => row.name)
  } finally {
    db.close()
  }
}

describe.each(['sync', 'async'] as const)('on-demand local-only collection (%s driver)', (driver) => {
  const tmp = tempDir(`persistdb-on-demand-${driver}-`)
  afterAll(() => tmp.cleanup())

  it('restores nothing up front; a live query loads only its rows from SQLite, filtered, ordered and limited', async () => {
    const file = tmp.file('load.sqlite')
    await seed(file)
    const run = open(file, 'on-demand', driver)
    const live = topScores(run.collection, 'b', 5)
    await live.toArrayWhenReady()
    expect(ids(live.toArray)).toEqual(expectedTop('b', 5))
    // Only the subset came into memory, never the table.
    expect(run.collection.size).toBeGreaterThanOrEqual(5)
    expect(run.collection.size).toBeLessThan(ITEMS.length / 3)
    const loaded = run.collection.get(expectedTop('b', 1)[0]!)!
    expect(loaded.at).toBeInstanceOf(Date)
    await live.cleanup()
    await run.close()
  })

  it('a Date filter compares to the millisecond and unloaded rows stay on disk for the next query', async () => {
    const file = tmp.file('dates.sqlite')
    await seed(file)
    const run = open(file, 'on-demand', driver)
    const cut = ITEMS[200]!.at
    const live = createLiveQueryCollection({
      query: (q) => q.from({ item: run.collection }).where(({ item }) => gt(item.at, cut)),
      startSync: true,
    })
    await live.toArrayWhenReady()
    expect(ids(live.toArray).sort()).toEqual(ITEMS.slice(201).map((item) => item.id))
    await live.cleanup()
    await run.close()
  })

  it('writes to an on-demand collection persist and are found by a later query after a restart', async () => {
    const file = tmp.file('writes.sqlite')
    await seed(file)
    const first = open(file, 'on-demand', driver)
    const live = topScores(first.collection, 'c', 3)
    await live.toArrayWhenReady()
    const top = { id: 'new-top', category: 'c' as const, score: 10_000, at: new Date(5) }
    await first.collection.insert(top).isPersisted.promise
    expect(ids(live.toArray)[0]).toBe('new-top')
    await live.cleanup()
    await first.close()

    const second = open(file, 'on-demand', driver)
    const again = topScores(second.collection, 'c', 3)
    await again.toArrayWhenReady()
    expect(ids(again.toArray)).toEqual(['new-top', ...expectedTop('c', 2)])
    expect(withoutVirtualProps(second.collection.get('new-top')!)).toEqual(top)
    await again.cleanup()
    await second.close()
  })

  it('failure mode 16: loading a subset that is already loaded answers true synchronously', async () => {
    const file = tmp.file('sync-answer.sqlite')
    await seed(file)
    const run = open(file, 'on-demand', driver)
    await started(run.collection)
    const where = new IR.Func('eq', [new IR.PropRef(['category']), new IR.Value('a')])
    const options = { where }
    const first = run.collection._sync.loadSubset(options)
    if (first !== true) await first
    expect(run.collection._sync.loadSubset({ ...options })).toBe(true)
    expect(run.collection.size).toBe(ITEMS.filter((item) => item.category === 'a').length)
    await run.close()
  })
})

describe('on-demand failures', () => {
  const tmp = tempDir('persistdb-on-demand-fail-')
  afterAll(() => tmp.cleanup())

  it('loadSubset never throws synchronously (a failed read is a rejected promise); unloadSubset never throws', async () => {
    const file = tmp.file('fail.sqlite')
    await seed(file)
    const run = open(file, 'on-demand')
    await started(run.collection)
    // The database goes away under the collection: the read fails.
    await run.persistence.close()
    const where = new IR.Func('eq', [new IR.PropRef(['category']), new IR.Value('b')])
    let result: unknown
    expect(() => {
      result = run.collection._sync.loadSubset({ where })
    }).not.toThrow()
    await expect(result).rejects.toMatchObject({ code: 'PERSISTDB_CLOSED' })
    expect(() => run.collection._sync.unloadSubset({ where })).not.toThrow()
    await run.collection.cleanup()
  })
})

describe('persisted indexes follow createIndex / removeIndex', () => {
  const tmp = tempDir('persistdb-indexes-')
  afterAll(() => tmp.cleanup())

  it('createIndex makes a SQLite index, removeIndex drops it, an index made before sync start is bootstrapped', async () => {
    const file = tmp.file('lifecycle.sqlite')
    await seed(file)
    const before = indexNames(file)
    const run = open(file, 'on-demand')
    // Created before the collection started: bootstrapped from getIndexMetadata() at start.
    const byScore = run.collection.createIndex((row) => row.score)
    await started(run.collection)
    const afterScore = indexNames(file).filter((name) => !before.includes(name))
    expect(afterScore).toHaveLength(1)
    // Created while running: index:added.
    const byAt = run.collection.createIndex((row) => row.at)
    const afterAt = indexNames(file).filter((name) => !before.includes(name))
    expect(afterAt).toHaveLength(2)
    run.collection.removeIndex(byAt)
    expect(indexNames(file).filter((name) => !before.includes(name))).toEqual(afterScore)
    run.collection.removeIndex(byScore)
    expect(indexNames(file).filter((name) => !before.includes(name))).toEqual([])
    await run.close()
  })

  it('failure mode 26: every read writes — with another connection holding the write lock, an on-demand collection with its index starts and answers queries', async () => {
    const file = tmp.file('read-only.sqlite')
    await seed(file)
    const warm = open(file, 'on-demand')
    warm.collection.createIndex((row) => row.score)
    await started(warm.collection)
    await warm.close()

    // busyTimeoutMs is 0 in open(): any attempt to take the write lock fails at once with SQLITE_BUSY.
    const holder = new Database(file)
    holder.pragma('journal_mode = WAL')
    holder.prepare('BEGIN IMMEDIATE').run()
    try {
      const run = open(file, 'on-demand')
      run.collection.createIndex((row) => row.score)
      const live = topScores(run.collection, 'a', 4)
      await live.toArrayWhenReady()
      expect(ids(live.toArray)).toEqual(expectedTop('a', 4))
      expect(run.collection.utils.getPersistenceStatus().state).toBe('ok')
      await live.cleanup()
      await run.close()
    } finally {
      holder.prepare('ROLLBACK').run()
      holder.close()
    }
  })
})

describe('the plain-types marker (no row reads as "unknown": no probe for it)', () => {
  const tmp = tempDir('persistdb-plain-types-')
  afterAll(() => tmp.cleanup())

  const marker = (file: string): boolean => {
    const db = new Database(file, { readonly: true })
    try {
      return db.prepare(`SELECT 1 FROM persistdb_meta WHERE key = 'plain_types:1'`).all().length > 0
    } finally {
      db.close()
    }
  }

  it('is set for a new collection, dropped by the first escaped object or huge bigint, and queries stay complete either way', async () => {
    const file = tmp.file('marker.sqlite')
    await seed(file)
    expect(marker(file)).toBe(true)

    // Another writer stores a row that reads as "unknown" (a user object owning "$pdb").
    const writer = open(file, 'eager')
    await writer.collection.preload()
    const odd = { id: 'odd', category: 'a' as const, score: 999, at: new Date(1), extra: { $pdb: 'mine' } }
    await writer.collection.insert(odd as Item).isPersisted.promise
    await writer.close()
    expect(marker(file)).toBe(false)

    const run = open(file, 'on-demand')
    const live = topScores(run.collection, 'a', 3)
    await live.toArrayWhenReady()
    expect(ids(live.toArray)).toEqual(['odd', ...expectedTop('a', 2)])
    expect(withoutVirtualProps(run.collection.get('odd')!)).toEqual(odd)
    await live.cleanup()
    await run.close()
  })
})

describe("other writers' commits reach an on-demand collection", () => {
  const tmp = tempDir('persistdb-on-demand-remote-')
  afterAll(() => tmp.cleanup())

  it('updates of held rows apply; new rows come in only when they match a loaded subset', async () => {
    const file = tmp.file('remote.sqlite')
    await seed(file)
    const reader = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const onDemand = createCollection(
      persistedCollectionOptions<Item, string>({
        id: 'items',
        getKey: (row) => row.id,
        persistence: reader,
        syncMode: 'on-demand',
      }),
    )
    const live = createLiveQueryCollection({
      query: (q) => q.from({ item: onDemand }).where(({ item }) => eq(item.category, 'a')),
      startSync: true,
    })
    await live.toArrayWhenReady()
    const held = ITEMS.filter((item) => item.category === 'a')
    expect(onDemand.size).toBe(held.length)

    const writer = open(file, 'eager')
    await writer.collection.preload()
    const inA = { id: 'new-a', category: 'a' as const, score: 1, at: new Date(2) }
    const inB = { id: 'new-b', category: 'b' as const, score: 2, at: new Date(3) }
    await writer.collection.insert([inA, inB]).isPersisted.promise
    await writer.collection.update(held[0]!.id, (draft) => {
      draft.score = -1
    }).isPersisted.promise
    await writer.close()

    reader.poll()
    expect(onDemand.has('new-a')).toBe(true)
    // Not part of any loaded subset: it stays on disk only.
    expect(onDemand.has('new-b')).toBe(false)
    expect(onDemand.get(held[0]!.id)?.score).toBe(-1)
    expect(ids(live.toArray).sort()).toEqual([...held.map((item) => item.id), 'new-a'].sort())
    await live.cleanup()
    await onDemand.cleanup()
    await reader.close()
  })
})
