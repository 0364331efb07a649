/**
 * The driver contract suite (packages/core/src/driver.ts): one suite, run
 * against every SQLiteDriver in the repository. Each test opens a new, empty
 * database through `target.open()` and checks what core relies on, through
 * core's own guard (guarded-driver.ts) where the contract's policy lives, and
 * through a real persisted collection for the limits.
 */
import { BasicIndex, createCollection, createLiveQueryCollection, inArray } from '@tanstack/db'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createSQLitePersistence,
  persistedCollectionOptions,
  type MaybePromise,
  type SQLiteDriver,
  type SQLiteRow,
  type SQLiteExecutor,
  type SQLiteLimits,
  type SQLiteValue,
} from '../../src'
import { isPromiseLike } from '../../src/driver'
import { guardDriver, type GuardedDriver } from '../../src/guarded-driver'
import { describeDriverFaults, type DriverFaultTarget } from './driver-faults'
import { attempt, flow } from './flow'

export interface DriverContractTarget {
  /** Opens a driver on a new, empty database (a new one on every call). */
  open(): MaybePromise<SQLiteDriver>
  /**
   * Integers beyond ±2^53 come back exact (as bigint). False only for engines
   * that cannot (they come back as the nearest double).
   */
  readonly bigIntegers?: boolean
  /** Largest blob and text the round-trip test writes (bytes); default 1 MiB. */
  readonly largeValueBytes?: number
  /**
   * Text containing U+0000 comes back whole. False for engines that read text
   * only up to the first NUL (expo-sqlite on iOS and web): their driver must
   * refuse such text with a typed error instead of storing what it cannot
   * read back.
   */
  readonly textWithNul?: boolean
  /** Fault cases on files the runtime is pointed at (driver-faults.ts); optional. */
  readonly openBytes?: DriverFaultTarget['openBytes']
  readonly queryOnly?: DriverFaultTarget['queryOnly']
  readonly pageLimit?: DriverFaultTarget['pageLimit']
}

/** A driver's statements as the engine saw them, and the largest parameter count of any. */
export interface StatementLog {
  readonly statements: string[]
  maxParams: number
}

/**
 * Wraps a driver so it declares `limits` (lower than its engine's) and records
 * every statement that reaches it: core must keep within the declared limits.
 */
export function limitedDriver(
  driver: SQLiteDriver,
  limits: Partial<SQLiteLimits>,
  log: StatementLog,
): SQLiteDriver {
  const seen = (sql: string, params: readonly SQLiteValue[] = []) => {
    log.statements.push(sql)
    log.maxParams = Math.max(log.maxParams, params.length)
  }
  const wrap = (executor: SQLiteExecutor): SQLiteExecutor => ({
    all: (sql, params) => (seen(sql, params), executor.all(sql, params)),
    run: (sql, params) => (seen(sql, params), executor.run(sql, params)),
    ...(executor.runBatch
      ? {
          runBatch: (statements) => {
            for (const s of statements) seen(s.sql, s.params)
            return executor.runBatch!(statements)
          },
        }
      : {}),
  })
  const outer = wrap(driver)
  return {
    mode: driver.mode,
    limits,
    ...(driver.isolation ? { isolation: driver.isolation } : {}),
    all: outer.all,
    run: outer.run,
    transaction: (body) => driver.transaction((tx) => body(wrap(tx))),
    close: () => driver.close(),
  }
}

function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, v)'

export function describeDriverContract(name: string, target: DriverContractTarget): void {
  describe(`driver contract: ${name}`, () => {
    const opened: GuardedDriver[] = []
    const open = async (): Promise<GuardedDriver> => {
      const driver = guardDriver(await target.open())
      opened.push(driver)
      return driver
    }
    afterEach(async () => {
      for (const driver of opened.splice(0)) await Promise.resolve(driver.close()).catch(() => undefined)
    })
    const count = async (db: SQLiteExecutor) => Number((await db.all('SELECT count(*) AS n FROM t'))[0]!.n)

    it('round-trips every SQLite value type exactly', async () => {
      const db = await open()
      await db.run(TABLE)
      const large = target.largeValueBytes ?? 1 << 20
      const blob = new Uint8Array(large)
      for (let i = 0; i < blob.length; i++) blob[i] = (i * 131 + 7) & 0xff
      const big = target.bigIntegers !== false
      const values: SQLiteValue[] = [
        null,
        0,
        1,
        -1,
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
        1.5,
        -2.25e-300,
        1.7976931348623157e308,
        '',
        ...(target.textWithNul === false ? [] : ['nul\u0000inside']),
        'astral 😀 𝄞 and é',
        new Uint8Array(0),
        new Uint8Array([0, 1, 254, 255]),
        ...(big ? [9223372036854775807n, -9223372036854775808n, 9007199254740993n] : []),
      ]
      await db.transaction((tx) =>
        flow(
          (function* () {
            for (let i = 0; i < values.length; i++)
              yield tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, values[i]!])
          })(),
        ),
      )
      const text = 'x'.repeat(large - 1) + '😀'
      await db.run('INSERT INTO t (id, v) VALUES (?, ?)', [1000, text])
      await db.run('INSERT INTO t (id, v) VALUES (?, ?)', [1001, blob])
      const rows = await db.all('SELECT id, v, typeof(v) AS type FROM t WHERE id < 1000 ORDER BY id')
      expect(rows.map((r) => r.v)).toEqual(values)
      // Large values, compared without a slow deep-equality walk.
      const [bigText] = await db.all('SELECT v FROM t WHERE id = 1000')
      expect(bigText!.v === text).toBe(true)
      const [bigBlob] = await db.all('SELECT v FROM t WHERE id = 1001')
      expect(bigBlob!.v).toBeInstanceOf(Uint8Array)
      expect(sameBytes(bigBlob!.v as Uint8Array, blob)).toBe(true)
      for (const row of rows) {
        const v = row.v
        if (v instanceof Uint8Array) expect(v.constructor).toBe(Uint8Array)
        // Engines differ in how a JS number binds (better-sqlite3 and Durable Objects: always REAL).
        if (typeof v === 'number') continue
        expect(row.type).toBe(
          v === null
            ? 'null'
            : typeof v === 'string'
              ? 'text'
              : v instanceof Uint8Array
                ? 'blob'
                : typeof v === 'bigint' || Number.isInteger(v)
                  ? 'integer'
                  : 'real',
        )
      }
      // A safe integer always comes back as a number, whatever the engine hands over.
      expect(typeof rows.find((r) => r.id === 4)!.v).toBe('number')
      if (target.textWithNul === false) {
        await expect(
          attempt(() => db.run('INSERT INTO t (id, v) VALUES (?, ?)', [-1, 'nul\u0000inside'])),
        ).rejects.toMatchObject({ code: expect.stringMatching(/^PERSISTDB_/) })
        expect(await db.all('SELECT id FROM t WHERE id = -1')).toEqual([])
      }
    })

    it('commits a transaction and passes its result through', async () => {
      const db = await open()
      await db.run(TABLE)
      const result = await db.transaction((tx) =>
        flow(
          (function* () {
            yield tx.run('INSERT INTO t (id, v) VALUES (1, ?)', ['a'])
            yield tx.run('INSERT INTO t (id, v) VALUES (2, ?)', ['b'])
            const rows = (yield tx.all('SELECT count(*) AS n FROM t')) as SQLiteRow[]
            return rows[0]!.n
          })(),
        ),
      )
      expect(result).toBe(2)
      expect(await count(db)).toBe(2)
    })

    it('rolls back on a throw, leaving nothing, and rethrows the same error', async () => {
      const db = await open()
      await db.run(TABLE)
      await db.run('INSERT INTO t (id, v) VALUES (1, ?)', ['kept'])
      const boom = new Error('boom')
      await expect(
        attempt(() =>
          db.transaction((tx) =>
            flow(
              (function* () {
                yield tx.run('INSERT INTO t (id, v) VALUES (2, ?)', ['gone'])
                yield tx.run('UPDATE t SET v = ? WHERE id = 1', ['changed'])
                throw boom
              })(),
            ),
          ),
        ),
      ).rejects.toBe(boom)
      expect(await db.all('SELECT id, v FROM t')).toEqual([{ id: 1, v: 'kept' }])
      // The driver is usable afterwards: the rollback really ended the transaction.
      await db.transaction((tx) => tx.run('INSERT INTO t (id, v) VALUES (3, ?)', ['next']))
      expect(await count(db)).toBe(2)
    })

    it('an engine error inside a transaction is typed, carries the engine message, and rolls back', async () => {
      const db = await open()
      await db.run(TABLE)
      const failing = attempt(() =>
        db.transaction((tx) =>
          flow(
            (function* () {
              yield tx.run('INSERT INTO t (id, v) VALUES (1, ?)', ['first'])
              yield tx.run('INSERT INTO t (id, v) VALUES (1, ?)', ['duplicate'])
            })(),
          ),
        ),
      )
      await expect(failing).rejects.toMatchObject({
        name: 'SQLiteEngineError',
        code: 'PERSISTDB_SQLITE_ERROR',
        message: expect.stringMatching(/UNIQUE constraint failed/i),
      })
      expect(await count(db)).toBe(0)
      await expect(attempt(() => db.all('SELECT * FROM no_such_table'))).rejects.toMatchObject({
        code: 'PERSISTDB_SQLITE_ERROR',
        message: expect.stringContaining('no such table'),
      })
    })

    it('runs a batch of statements in order, and a failing batch leaves nothing', async () => {
      const db = await open()
      await db.run(TABLE)
      await db.transaction((tx) =>
        tx.runBatch([
          { sql: 'INSERT INTO t (id, v) VALUES (1, ?)', params: ['a'] },
          { sql: 'UPDATE t SET v = v || ? WHERE id = 1', params: ['b'] },
          { sql: 'INSERT INTO t (id, v) VALUES (2, ?)', params: [new Uint8Array([9])] },
        ]),
      )
      expect(await db.all('SELECT id, v FROM t ORDER BY id')).toEqual([
        { id: 1, v: 'ab' },
        { id: 2, v: new Uint8Array([9]) },
      ])
      await expect(
        attempt(() =>
          db.transaction((tx) =>
            flow(
              (function* () {
                yield tx.runBatch([
                  { sql: 'INSERT INTO t (id, v) VALUES (3, ?)', params: ['c'] },
                  { sql: 'INSERT INTO t (id, v) VALUES (1, ?)', params: ['dup'] },
                ])
                yield tx.all('SELECT 1 AS one')
              })(),
            ),
          ),
        ),
      ).rejects.toMatchObject({ code: 'PERSISTDB_SQLITE_ERROR' })
      expect(await count(db)).toBe(2)
    })

    it('refuses a transaction started inside a transaction, and rolls back the outer one', async () => {
      const db = await open()
      await db.run(TABLE)
      const nested = attempt(() =>
        db.transaction((tx) => {
          const inserted = tx.run('INSERT INTO t (id, v) VALUES (1, ?)', ['outer'])
          // Still in the synchronous part of the body: core knows it is inside a transaction.
          const inner = db.transaction((t) => t.run('INSERT INTO t (id, v) VALUES (2, ?)', ['inner']))
          return isPromiseLike(inserted) ? inserted.then(() => inner) : inner
        }),
      )
      await expect(nested).rejects.toMatchObject({ code: 'PERSISTDB_TRANSACTION_MISUSE' })
      expect(await count(db)).toBe(0)
    })

    it('refuses an executor used after its transaction ended', async () => {
      const db = await open()
      await db.run(TABLE)
      let leaked: SQLiteExecutor | undefined
      await db.transaction((tx) => {
        leaked = tx
      })
      expect(() => leaked!.run('INSERT INTO t (id, v) VALUES (1, 1)')).toThrow(
        expect.objectContaining({ code: 'PERSISTDB_TRANSACTION_MISUSE' }),
      )
      expect(await count(db)).toBe(0)
    })

    it('serializes concurrent transactions: no lost update, no engine error', async () => {
      const db = await open()
      await db.run(TABLE)
      await db.run('INSERT INTO t (id, v) VALUES (1, 0)')
      const increments = Array.from({ length: 20 }, () =>
        attempt(() =>
          db.transaction((tx) =>
            flow(
              (function* () {
                const [row] = (yield tx.all('SELECT v FROM t WHERE id = 1')) as SQLiteRow[]
                yield tx.run('UPDATE t SET v = ? WHERE id = 1', [Number(row!.v) + 1])
              })(),
            ),
          ),
        ),
      )
      await Promise.all(increments)
      expect((await db.all('SELECT v FROM t WHERE id = 1'))[0]!.v).toBe(20)
    })

    it('a read outside a transaction never observes its uncommitted work', async () => {
      const db = await open()
      await db.run(TABLE)
      if (db.mode === 'sync') {
        // A synchronous body runs to its end before anything else can read.
        expect(() =>
          db.transaction((tx) => {
            tx.run('INSERT INTO t (id, v) VALUES (1, 1)')
            throw new Error('rolled back')
          }),
        ).toThrow('rolled back')
        expect(await count(db)).toBe(0)
        return
      }
      const inside = deferred()
      const proceed = deferred()
      const tx = Promise.resolve(
        db.transaction(async (t) => {
          await t.run('INSERT INTO t (id, v) VALUES (1, 1)')
          inside.resolve()
          await proceed.promise
          // A round trip after the outside read was issued: an engine answering in order has answered it.
          await t.all('SELECT 1 AS one')
          throw new Error('rolled back')
        }),
      )
      await inside.promise
      const outside = Promise.resolve(db.all('SELECT count(*) AS n FROM t'))
      proceed.resolve()
      await expect(tx).rejects.toThrow('rolled back')
      expect(Number((await outside)[0]!.n)).toBe(0)
    })

    it('close waits for the transaction in flight, then refuses further use', async () => {
      const db = await open()
      await db.run(TABLE)
      const inside = deferred()
      const proceed = deferred()
      const body = async (tx: SQLiteExecutor) => {
        await tx.run('INSERT INTO t (id, v) VALUES (1, 1)')
        inside.resolve()
        await proceed.promise
        await tx.run('INSERT INTO t (id, v) VALUES (2, 2)')
      }
      if (db.mode === 'sync') {
        db.transaction((tx) => tx.run('INSERT INTO t (id, v) VALUES (1, 1)'))
        await db.close()
      } else {
        const events: string[] = []
        const tx = Promise.resolve(db.transaction(body)).then(() => events.push('committed'))
        await inside.promise
        const closed = Promise.resolve(db.close()).then(() => events.push('closed'))
        proceed.resolve()
        await Promise.all([tx, closed])
        expect(events).toEqual(['committed', 'closed'])
      }
      expect(() => db.all('SELECT 1')).toThrow(expect.objectContaining({ code: 'PERSISTDB_CLOSED' }))
      expect(() => db.transaction(() => undefined)).toThrow(
        expect.objectContaining({ code: 'PERSISTDB_CLOSED' }),
      )
    })

    it('refuses a statement over a declared limit before it reaches the engine', async () => {
      const log: StatementLog = { statements: [], maxParams: 0 }
      const db = guardDriver(limitedDriver(await target.open(), { maxParameters: 100 }, log))
      opened.push(db)
      const params = Array.from({ length: 101 }, (_, i) => i)
      expect(() => db.all(`SELECT ${params.map(() => '?').join(' + ')} AS n`, params)).toThrow(
        expect.objectContaining({ code: 'PERSISTDB_STATEMENT_LIMIT' }),
      )
      expect(log.statements).toEqual([])
    })

    it("keeps core's own statements within 100 parameters: a 1,000-row batch and a 1,000-key in()", async () => {
      const log: StatementLog = { statements: [], maxParams: 0 }
      const driver = limitedDriver(await target.open(), { maxParameters: 100 }, log)
      const persistence = createSQLitePersistence({ driver, pollIntervalMs: 0 })
      type Row = { id: string; n: number; bytes: Uint8Array }
      const options = persistedCollectionOptions<Row, string>({
        id: 'rows',
        getKey: (row) => row.id,
        persistence,
        syncMode: 'on-demand',
        defaultIndexType: BasicIndex,
      })
      const rows = createCollection(options)
      const all: Row[] = Array.from({ length: 1000 }, (_, i) => ({
        id: `r${i}`,
        n: i,
        bytes: new Uint8Array([i & 0xff]),
      }))
      try {
        await rows.preload()
        const tx = rows.insert(all)
        await tx.isPersisted.promise
        await rows.cleanup()

        // A fresh collection on the same database answers from SQLite.
        const again = createCollection(options)
        const wanted = all.filter((r) => r.n % 3 !== 1).map((r) => r.id)
        expect(wanted.length).toBeGreaterThan(600)
        const live = createLiveQueryCollection((q) =>
          q.from({ r: again }).where(({ r }) => inArray(r.id, wanted)),
        )
        await live.toArrayWhenReady()
        const got = [...live.values()].map((r) => r.id).sort()
        expect(got).toEqual([...wanted].sort())
        expect(live.get('r0')?.bytes).toEqual(new Uint8Array([0]))
        await live.cleanup()
        await again.cleanup()
      } finally {
        await persistence.close()
      }
      expect(log.statements.length).toBeGreaterThan(10)
      expect(log.maxParams).toBeLessThanOrEqual(100)
      expect(log.maxParams).toBeGreaterThan(50)
    })

    describeDriverFaults(target, (driver) => opened.push(driver))
  })
}
