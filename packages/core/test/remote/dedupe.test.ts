import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { afterAll, describe, expect, it } from 'vitest'
import { InvalidRemoteMessageError, LeaderFencedError } from '@persistdb/core'
import {
  currentTerm,
  drive,
  driveInTransaction,
  fenceAndRecord,
  pruneApplied,
  RecentlyApplied,
  REMOTE_APPLIED_TABLE,
  takeNextTerm,
  wasApplied,
  type StorageOp,
} from '@persistdb/core/remote'
import { BetterSqliteTestDriver } from '../support/sqlite-test-driver'

const dir = mkdtempSync(join(tmpdir(), 'persistdb-dedupe-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newFile = () => join(dir, `f${files++}.db`)

describe.each(['sync', 'async'] as const)('fencing and dedupe on a %s driver', (mode) => {
  const open = (path = newFile()) => new BetterSqliteTestDriver(path, mode)
  // Async wrappers: a sync driver throws at once, an async one rejects; the tests await either.
  const inTx = async <T>(driver: BetterSqliteTestDriver, op: () => StorageOp<T>) =>
    driveInTransaction(driver, op)
  const read = async <T>(driver: BetterSqliteTestDriver, op: StorageOp<T>) => drive(driver, op)

  it('each server start takes the next term, kept in the file across reopening', async () => {
    const path = newFile()
    let driver = open(path)
    expect(await read(driver, currentTerm())).toBeUndefined()
    expect(await inTx(driver, takeNextTerm)).toBe(1)
    expect(await inTx(driver, takeNextTerm)).toBe(2)
    driver.close()
    driver = open(path)
    expect(await read(driver, currentTerm())).toBe(2)
    expect(await inTx(driver, takeNextTerm)).toBe(3)
    driver.close()
  })

  it('a commit of the current term is recorded with its transaction; a superseded term commits nothing', async () => {
    const driver = open()
    const first = await inTx(driver, takeNextTerm)
    driver.db.exec('CREATE TABLE todo (id TEXT PRIMARY KEY)')
    await inTx(driver, function* () {
      yield { kind: 'run', sql: `INSERT INTO todo VALUES ('a')` } as const
      yield* fenceAndRecord(first, 'tx-a', 1000)
    })
    expect(await read(driver, wasApplied('tx-a'))).toBe(true)
    expect(await read(driver, wasApplied('tx-b'))).toBe(false)
    // A newer server takes the file: the older one's commit is refused and rolled back, row and record alike.
    const second = await inTx(driver, takeNextTerm)
    const stale = inTx(driver, function* () {
      yield { kind: 'run', sql: `INSERT INTO todo VALUES ('b')` } as const
      yield* fenceAndRecord(first, 'tx-b', 1001)
    })
    await expect(stale).rejects.toMatchObject({ code: 'PERSISTDB_FENCED', term: first, currentTerm: second })
    await expect(stale).rejects.toBeInstanceOf(LeaderFencedError)
    expect(await read(driver, wasApplied('tx-b'))).toBe(false)
    expect(driver.db.prepare('SELECT id FROM todo ORDER BY id').all()).toEqual([{ id: 'a' }])
    // The same transaction under the current term commits (the check is the term, not the id).
    await inTx(driver, function* () {
      yield { kind: 'run', sql: `INSERT INTO todo VALUES ('b')` } as const
      yield* fenceAndRecord(second, 'tx-b', 1002)
    })
    expect(await read(driver, wasApplied('tx-b'))).toBe(true)
    // Recording one id twice fails the transaction: a duplicate never commits silently.
    await expect(inTx(driver, () => fenceAndRecord(second, 'tx-b', 1003))).rejects.toThrow(/UNIQUE|PRIMARY/)
    driver.close()
  })

  it('refuses transaction ids PersistDB never sends, before touching the file', async () => {
    const driver = open()
    const term = await inTx(driver, takeNextTerm)
    for (const id of ['', 'x'.repeat(129), 42 as unknown as string]) {
      await expect(inTx(driver, () => fenceAndRecord(term, id))).rejects.toBeInstanceOf(
        InvalidRemoteMessageError,
      )
      await expect(read(driver, wasApplied(id))).rejects.toBeInstanceOf(InvalidRemoteMessageError)
    }
    expect(driver.db.prepare(`SELECT count(*) AS n FROM ${REMOTE_APPLIED_TABLE}`).get()).toEqual({ n: 0 })
    driver.close()
  })

  it('a file of an older browser build keeps its term line: the old tables are left, the old term fenced', async () => {
    const driver = open()
    driver.db.exec(`
      CREATE TABLE persistdb_browser_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE persistdb_browser_applied (tx_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO persistdb_browser_meta VALUES ('term', 5);
      INSERT INTO persistdb_browser_applied VALUES ('old-tx', 1);`)
    expect(await inTx(driver, takeNextTerm)).toBe(6)
    // An older build's leader of term 5 checks the old table before committing: it now sees 6 and stops.
    expect(driver.db.prepare(`SELECT value FROM persistdb_browser_meta WHERE key = 'term'`).get()).toEqual({
      value: 6,
    })
    expect(driver.db.prepare(`SELECT tx_id FROM persistdb_browser_applied`).all()).toEqual([
      { tx_id: 'old-tx' },
    ])
    // Old ids are not consulted: only an older build's client, which a newer server refuses, could ask.
    expect(await read(driver, wasApplied('old-tx'))).toBe(false)
    expect(await inTx(driver, takeNextTerm)).toBe(7)
    driver.close()
  })
})

describe('pruning the applied table', () => {
  test.prop(
    [
      fc.uniqueArray(fc.record({ id: fc.uuid(), at: fc.integer({ min: 0, max: 10_000 }) }), {
        selector: (r) => r.id,
        maxLength: 40,
      }),
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 0, max: 30 }),
    ],
    { numRuns: 60 },
  )('keeps exactly the newest `max` entries younger than `retainMs`', (entries, retainMs, max) => {
    const driver = new BetterSqliteTestDriver(':memory:', 'sync')
    const term = driveInTransaction(driver, takeNextTerm) as number
    for (const { id, at } of entries) driveInTransaction(driver, () => fenceAndRecord(term, id, at))
    const now = 10_000
    driveInTransaction(driver, () => pruneApplied(now, retainMs, max))
    const model = entries
      .filter((e) => e.at >= now - retainMs)
      .sort((a, b) => b.at - a.at || (b.id < a.id ? -1 : 1))
      .slice(0, max)
      .map((e) => e.id)
      .sort()
    const kept = (
      driver.db.prepare(`SELECT tx_id FROM ${REMOTE_APPLIED_TABLE} ORDER BY tx_id`).all() as {
        tx_id: string
      }[]
    ).map((r) => r.tx_id)
    expect(kept).toEqual(model)
    driver.close()
  })
})

describe('RecentlyApplied', () => {
  it('remembers the most recent ids up to its bound', () => {
    const recent = new RecentlyApplied(3)
    for (const id of ['a', 'b', 'c', 'd']) recent.add(id)
    expect(['a', 'b', 'c', 'd'].map((id) => recent.has(id))).toEqual([false, true, true, true])
  })
})
