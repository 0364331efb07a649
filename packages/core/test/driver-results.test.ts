/**
 * Failure mode 12 (#1499): driver result shapes. op-sqlite 14 started to
 * return columnar results, and a persistence that read them as "no rows"
 * came up ready and empty. Here a driver runs every statement for real on a
 * better-sqlite3 file but hands some `all()` results back in a foreign shape:
 * PersistDB must refuse them with a DriverResultError (PERSISTDB_DRIVER_RESULT),
 * and the collection must end in status 'error' with that error from
 * preload(), never "ready with 0 rows". Sync and async drivers, local-only and
 * synced collections, a fresh file and a file with rows.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCollection, createLiveQueryCollection, type Collection, type SyncConfig } from '@tanstack/db'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createSQLitePersistence,
  DriverResultError,
  persistedCollectionOptions,
  type PersistedCollectionUtils,
  type SQLiteRow,
} from '../src'
import { BetterSqliteTestDriver } from './support/sqlite-test-driver'

/** What `all()` hands back instead of an array of row objects. */
type Shape =
  /** The correct shape: an array of objects keyed by column name. */
  | 'objects'
  /** Columnar: `{ columns, rows: [[...]] }` (op-sqlite 14 style raw results). */
  | 'columnar'
  /** WebSQL / legacy expo: `{ rows: { _array, length } }`. */
  | 'rows-array-object'
  /** Correct rows, but wrapped: `{ rows: [...] }`. */
  | 'wrapped'
  /** Nothing at all. */
  | 'undefined'
  /** An array, but of value arrays instead of objects. */
  | 'arrays'
  /** An array of nulls. */
  | 'nulls'

const BAD_SHAPES: readonly Shape[] = [
  'columnar',
  'rows-array-object',
  'wrapped',
  'undefined',
  'arrays',
  'nulls',
]

/** Which queries get the foreign shape. */
type Target = 'every query' | 'row reads'

const ROW_READ = /FROM "persistdb_c\d+_rows"/

class ShapeDriver extends BetterSqliteTestDriver {
  /** How many results were handed back in the foreign shape. */
  reshaped = 0

  constructor(
    path: string,
    mode: 'sync' | 'async',
    private readonly shape: Shape,
    private readonly target: Target,
  ) {
    super(path, mode)
  }

  protected override resultOf(sql: string, statement: Database.Statement, rows: SQLiteRow[]): unknown {
    if (this.shape === 'objects' || (this.target === 'row reads' && !ROW_READ.test(sql))) return rows
    this.reshaped++
    switch (this.shape) {
      case 'columnar':
        return { columns: statement.columns().map((c) => c.name), rows: rows.map((r) => Object.values(r)) }
      case 'rows-array-object':
        return { rows: { _array: rows, length: rows.length } }
      case 'wrapped':
        return { rows }
      case 'undefined':
        return undefined
      case 'arrays':
        return rows.map((r) => Object.values(r))
      case 'nulls':
        return rows.map(() => null)
    }
  }
}

interface Todo {
  id: string
  title: string
  [key: string]: unknown
}

const ROWS: Todo[] = [
  { id: 'a', title: 'A' },
  { id: 'b', title: 'B' },
  { id: 'c', title: 'C' },
]

/** A source that answers at once with ROWS (the synced case). */
function source(): SyncConfig<Todo, string> {
  return {
    rowUpdateMode: 'full',
    sync: ({ begin, write, commit, markReady, collection }) => {
      begin()
      for (const row of ROWS)
        write({ type: collection._state.syncedData.has(row.id) ? 'update' : 'insert', value: { ...row } })
      commit()
      markReady()
    },
  }
}

/** An on-demand source: ready at once, rows arrive per loaded subset (ROWS for any subset). */
function onDemandSource(): SyncConfig<Todo, string> {
  return {
    rowUpdateMode: 'full',
    sync: ({ begin, write, commit, markReady, collection }) => {
      markReady()
      return {
        loadSubset: () => {
          begin()
          for (const row of ROWS)
            write({ type: collection._state.syncedData.has(row.id) ? 'update' : 'insert', value: { ...row } })
          commit()
          return true
        },
      }
    },
  }
}

type Kind = 'local-only' | 'synced' | 'synced on-demand'

function open(driver: ShapeDriver, kind: Kind, sync?: SyncConfig<Todo, string>) {
  const persistence = createSQLitePersistence({ driver, pollIntervalMs: 0 })
  const collection =
    kind === 'local-only'
      ? createCollection(
          persistedCollectionOptions<Todo, string>({ id: 'todos', getKey: (t) => t.id, persistence }),
        )
      : createCollection(
          persistedCollectionOptions({
            id: 'todos',
            getKey: (t: Todo) => t.id,
            sync: sync ?? (kind === 'synced' ? source() : onDemandSource()),
            syncMode: kind === 'synced' ? ('eager' as const) : ('on-demand' as const),
            persistence,
            offlineReadyTimeoutMs: 50,
          }),
        )
  return { collection, persistence }
}

const dir = mkdtempSync(join(tmpdir(), 'persistdb-shapes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = () => join(dir, `db-${++files}.sqlite`)

/** A file holding ROWS in collection 'todos', written through a well-behaved driver. */
async function seeded(kind: Kind, mode: 'sync' | 'async'): Promise<string> {
  const file = newFile()
  const driver = new ShapeDriver(file, mode, 'objects', 'every query')
  const { collection, persistence } = open(driver, kind)
  const live =
    kind === 'synced on-demand' ? createLiveQueryCollection((q) => q.from({ todo: collection })) : undefined
  await (live ?? collection).preload()
  if (kind === 'local-only') {
    const tx = collection.insert(ROWS)
    await tx.isPersisted.promise
  }
  expect(collection.toArray.map((t) => t.id).sort()).toEqual(['a', 'b', 'c'])
  // An async driver persists a synced commit after core accepted it: wait until it is on disk.
  await vi.waitFor(() => expect(diskKeys(file)).toEqual(['a', 'b', 'c']))
  await collection.cleanup()
  await live?.cleanup()
  await persistence.close()
  return file
}

function diskKeys(file: string): unknown[] {
  const check = new Database(file, { readonly: true })
  try {
    return check
      .prepare('SELECT key FROM "persistdb_c1_rows" WHERE value IS NOT NULL ORDER BY key')
      .all()
      .map((r) => (r as { key: unknown }).key)
  } finally {
    check.close()
  }
}

async function rejectionOf(promise: Promise<void>, what: () => string): Promise<unknown> {
  let failure: unknown
  await promise.then(
    () => {
      throw new Error(`preload() resolved: ${what()}`)
    },
    (error: unknown) => {
      failure = error
    },
  )
  return failure
}

/**
 * preload() must reject with a DriverResultError and the collection must be in 'error', not ready. An
 * on-demand collection is used through live queries: a live query over it must fail too, not come up
 * ready and empty (core's live query reports its own "source entered error state" error, without cause).
 */
async function expectDriverResultError(
  kind: Kind,
  collection: Collection<Todo, string, PersistedCollectionUtils>,
): Promise<void> {
  const state = () => `status ${collection.status} with ${collection.size} rows`
  if (kind === 'synced on-demand') {
    const live = createLiveQueryCollection((q) => q.from({ todo: collection }))
    expect(await rejectionOf(live.preload(), state)).toBeInstanceOf(Error)
    expect(live.status).toBe('error')
    await live.cleanup()
  }
  const failure = await rejectionOf(collection.preload(), state)
  expect(failure).toBeInstanceOf(DriverResultError)
  expect((failure as DriverResultError).code).toBe('PERSISTDB_DRIVER_RESULT')
  expect(collection.status).toBe('error')
  expect(collection.size).toBe(0)
  expect(collection.utils.getPersistenceStatus()).toEqual({ state: 'failed', error: failure })
}

/**
 * On-demand collections read rows per subset, not at start: the subset load must reject with the
 * DriverResultError and a live query over it must fail, never come up ready and empty.
 */
async function expectSubsetReadError(
  collection: Collection<Todo, string, PersistedCollectionUtils>,
): Promise<void> {
  const live = createLiveQueryCollection((q) => q.from({ todo: collection }))
  expect(
    await rejectionOf(live.preload(), () => `live query ${live.status} with ${live.size} rows`),
  ).toBeInstanceOf(Error)
  expect(live.status).toBe('error')
  expect(live.size).toBe(0)
  await live.cleanup()
  const load = collection._sync.loadSubset({})
  expect(load).toBeInstanceOf(Promise)
  const failure = await rejectionOf(load as Promise<void>, () => 'loadSubset resolved')
  expect(failure).toBeInstanceOf(DriverResultError)
  expect((failure as DriverResultError).code).toBe('PERSISTDB_DRIVER_RESULT')
}

/** Core logs these for the on-demand cases; expected here. */
function quietExpectedLogs(): void {
  for (const method of ['error', 'warn'] as const) {
    const original = console[method]
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : ''
      if (text.startsWith('[Live Query Error]') || text.includes('is a no-op')) return
      original(...args)
    })
  }
}

describe('failure mode 12: driver result shapes', () => {
  beforeEach(() => quietExpectedLogs())
  afterEach(() => vi.restoreAllMocks())

  const cases = (['sync', 'async'] as const).flatMap((mode) =>
    (['local-only', 'synced', 'synced on-demand'] as const).flatMap((kind) =>
      BAD_SHAPES.map((shape) => ({ mode, kind, shape })),
    ),
  )

  it.each(cases)(
    'failure mode 12: a $shape result for every query ($mode driver, $kind, fresh file) is a DriverResultError',
    async ({ mode, kind, shape }) => {
      const driver = new ShapeDriver(newFile(), mode, shape, 'every query')
      const { collection, persistence } = open(driver, kind)
      await expectDriverResultError(kind, collection)
      expect(driver.reshaped).toBeGreaterThan(0)
      await persistence.close()
    },
  )

  it.each(cases)(
    'failure mode 12: a $shape result for the row read of a file with rows ($mode driver, $kind) is an error, never "ready with 0 rows"',
    async ({ mode, kind, shape }) => {
      const file = await seeded(kind, mode)
      const driver = new ShapeDriver(file, mode, shape, 'row reads')
      // A source that never answers: only the restore could make this collection ready.
      const silent: SyncConfig<Todo, string> = { sync: () => () => undefined }
      const { collection, persistence } = open(driver, kind, silent)
      if (kind === 'synced on-demand') await expectSubsetReadError(collection)
      else await expectDriverResultError(kind, collection)
      expect(driver.reshaped).toBeGreaterThan(0)
      await persistence.close()
      // Nothing was written or dropped: the rows are still on disk.
      expect(diskKeys(file)).toEqual(['a', 'b', 'c'])
    },
  )

  it.each(['sync', 'async'] as const)(
    'control: the well-formed shape through the same driver restores every row (%s driver)',
    async (mode) => {
      const file = await seeded('local-only', mode)
      const driver = new ShapeDriver(file, mode, 'objects', 'every query')
      const { collection, persistence } = open(driver, 'local-only')
      await collection.preload()
      expect(collection.status).toBe('ready')
      expect(collection.toArray.map((t) => t.id).sort()).toEqual(['a', 'b', 'c'])
      await persistence.close()
    },
  )
})
