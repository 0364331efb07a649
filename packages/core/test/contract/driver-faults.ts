/**
 * The fault part of the driver contract (issue 14): what every runtime's
 * driver must do when SQLite refuses a statement or a file, checked through
 * core's guard as core uses the driver. Engine failures are provoked with
 * SQLite's own settings so every engine can produce them: a constraint, a
 * `query_only` connection (SQLITE_READONLY), a `max_page_count` ceiling
 * (SQLITE_FULL); files that are not SQLite or are damaged where the runtime
 * can place a file (`openBytes`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  inspectDatabase,
  ReadOnlyDatabaseError,
  sqliteFailureKind,
  writeFailure,
  type MaybePromise,
  type SQLiteDriver,
  type SQLiteExecutor,
  type SQLiteRow,
} from '../../src'
import { guardDriver, type GuardedDriver } from '../../src/guarded-driver'
import { makeAppDatabase } from '../support/fault-files'
import { flow } from './flow'

export interface DriverFaultTarget {
  open(): MaybePromise<SQLiteDriver>
  /**
   * `PRAGMA query_only` turns the connection read-only for the next statements. False where every
   * statement outside a transaction also records a fence (the browser leader): the connection then
   * refuses its own bookkeeping, including the statement that would turn it back. Also false where the
   * engine refuses the PRAGMA itself (Durable Objects: SQLITE_AUTH).
   */
  readonly queryOnly?: boolean
  /**
   * `PRAGMA max_page_count` caps the file, so a test can fill it. False where the engine does not
   * let a statement set the ceiling (Durable Objects: workerd authorizes only its own PRAGMAs).
   */
  readonly pageLimit?: boolean
  /**
   * Opens a driver on a database file holding exactly `bytes`, and reads the
   * file's bytes back. Runtimes that cannot place a file of their own leave it
   * out (the browser: OPFS files come from its import, tested there).
   */
  readonly openBytes?: (bytes: Uint8Array) => MaybePromise<{
    driver: SQLiteDriver
    bytes(): MaybePromise<Uint8Array>
  }>
}

/** Rejects with what `fn` throws or rejects with; fails when it succeeds. */
async function failureOf(fn: () => MaybePromise<unknown>): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, v NOT NULL)'

export function describeDriverFaults(
  target: DriverFaultTarget,
  track: (driver: GuardedDriver) => void,
): void {
  const open = async () => {
    const driver = guardDriver(await target.open())
    track(driver)
    return driver
  }
  const count = async (db: SQLiteExecutor, table = 't') =>
    Number((await db.all(`SELECT count(*) AS n FROM ${table}`))[0]!.n)
  const tables = async (db: SQLiteExecutor) =>
    (await db.all(`SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name`)).map((r) =>
      String(r.name),
    )

  describe('faults', () => {
    it("an engine error names SQLite's result code, however the engine reports it", async () => {
      const db = await open()
      await db.run(TABLE)
      await db.run(`INSERT INTO t (id, v) VALUES (1, 'a')`)
      const error = await failureOf(() => db.run(`INSERT INTO t (id, v) VALUES (1, 'b')`))
      expect(error).toMatchObject({
        name: 'SQLiteEngineError',
        engineCode: expect.stringMatching(/^SQLITE_CONSTRAINT/),
      })
    })

    it('a statement failing late in a transaction rolls back all of it (rows, a table, an index); the driver works afterwards', async () => {
      const db = await open()
      await db.run(TABLE)
      const schema = await tables(db)
      const error = await failureOf(() =>
        db.transaction((tx) =>
          flow(
            (function* () {
              for (let i = 1; i <= 5; i++)
                yield tx.run(`INSERT INTO t (id, v) VALUES (?, ?)`, [i, `row ${i}`])
              yield tx.run('CREATE TABLE u (x)')
              yield tx.run('CREATE INDEX t_v ON t (v)')
              yield tx.run(`UPDATE t SET v = v || '!'`)
              yield tx.run('INSERT INTO t (id, v) VALUES (6, NULL)')
            })(),
          ),
        ),
      )
      expect(error).toMatchObject({
        name: 'SQLiteEngineError',
        engineCode: expect.stringMatching(/^SQLITE_CONSTRAINT/),
        message: expect.stringMatching(/NOT NULL constraint failed/i),
      })
      expect(await count(db)).toBe(0)
      expect(await tables(db)).toEqual(schema)
      await db.transaction((tx) => tx.run(`INSERT INTO t (id, v) VALUES (1, 'after')`))
      expect(await db.all('SELECT id, v FROM t')).toEqual([{ id: 1, v: 'after' }])
    })

    it.skipIf(target.queryOnly === false)(
      'a write the connection refuses as read-only is SQLITE_READONLY, typed ReadOnlyDatabaseError by core, and changes nothing',
      async () => {
        const db = await open()
        await db.run(TABLE)
        await db.run(`INSERT INTO t (id, v) VALUES (1, 'kept')`)
        await db.run('PRAGMA query_only = 1')
        const error = await failureOf(() => db.run(`INSERT INTO t (id, v) VALUES (2, 'refused')`))
        expect(sqliteFailureKind(error)).toBe('read-only')
        expect(writeFailure(error, 'the file')).toBeInstanceOf(ReadOnlyDatabaseError)
        // Reads are still served; the refusal ends when the connection may write again.
        expect(await count(db)).toBe(1)
        await db.run('PRAGMA query_only = 0')
        await db.run(`INSERT INTO t (id, v) VALUES (2, 'written')`)
        expect(await count(db)).toBe(2)
      },
    )

    it.skipIf(target.pageLimit === false)(
      'a transaction that runs out of space fails as SQLITE_FULL, rolls back, and the driver works afterwards',
      async () => {
        const db = await open()
        await db.run(TABLE)
        await db.run(`INSERT INTO t (id, v) VALUES (1, 'kept')`)
        const error = await failureOf(() =>
          db.transaction((tx) =>
            flow(
              (function* () {
                // The ceiling on the connection the transaction runs on (some runtimes use a second one).
                const [row] = (yield tx.all('SELECT page_count AS n FROM pragma_page_count()')) as SQLiteRow[]
                yield tx.run(`PRAGMA max_page_count = ${Number(row!.n) + 2}`)
                for (let i = 2; i < 40; i++)
                  yield tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'x'.repeat(4000)])
              })(),
            ),
          ),
        )
        expect(sqliteFailureKind(error)).toBe('full')
        expect(error).toMatchObject({
          name: 'SQLiteEngineError',
          engineCode: expect.stringMatching(/^SQLITE_FULL/),
        })
        await db.run('PRAGMA max_page_count = 1073741823')
        expect(await db.all('SELECT id, v FROM t')).toEqual([{ id: 1, v: 'kept' }])
        await db.transaction((tx) => tx.run('INSERT INTO t (id, v) VALUES (2, ?)', ['y'.repeat(4000)]))
        expect(await count(db)).toBe(2)
      },
    )

    const openBytes = target.openBytes
    describe.skipIf(!openBytes)('files the runtime is pointed at', () => {
      const dir = mkdtempSync(join(tmpdir(), 'persistdb-driver-faults-'))
      afterAll(() => rmSync(dir, { recursive: true, force: true }))
      let n = 0
      const place = async (bytes: Uint8Array) => {
        const placed = await openBytes!(bytes)
        const driver = guardDriver(placed.driver)
        track(driver)
        return { driver, bytes: placed.bytes }
      }

      it('a file that is not SQLite: NotSQLiteFileError at the first read, bytes unchanged', async () => {
        const bytes = new TextEncoder().encode(
          'not a database, just long enough to hold a header. '.repeat(200),
        )
        const { driver, bytes: after } = await place(bytes)
        const error = await failureOf(() => inspectDatabase(driver))
        expect(error).toMatchObject({ code: 'PERSISTDB_NOT_SQLITE' })
        expect(Buffer.from(await after()).equals(Buffer.from(bytes))).toBe(true)
      })

      it("a damaged SQLite file: DamagedDatabaseError from core's check, bytes unchanged", async () => {
        const file = join(dir, `damaged-${++n}.sqlite`)
        makeAppDatabase(file, { rows: 1000, damaged: [3, 5] })
        const bytes = new Uint8Array(readFileSync(file))
        const { driver, bytes: after } = await place(bytes)
        const error = await failureOf(() => inspectDatabase(driver))
        expect(error).toMatchObject({ code: 'PERSISTDB_DAMAGED_DATABASE' })
        expect(Buffer.from(await after()).equals(Buffer.from(bytes))).toBe(true)
      })
    })
  })
}
