import {
  ConnectionClosedError,
  isPersistenceVerdict,
  type MaybePromise,
  type SQLiteDriver,
  type SQLiteEngineRow,
  type SQLiteExecutor,
  type SQLiteLimits,
  type SQLiteValue,
} from '@persistdb/core'
import { isClosedConnection } from './closed-connection'
import { withFileLock } from './file-lock'
import type { OpSQLiteDatabase, OpSQLiteTransaction } from './op-sqlite-types'
import { toOpSQLiteParams } from './params'
import { readRows } from './result-rows'

/**
 * The SQLite op-sqlite 15 to 18 bundles (3.51 and 3.53) with its compile-time
 * defaults; libsql and SQLCipher builds share them. An app on `iosSqlite`
 * with an iOS older than 14 (system SQLite before 3.32) passes
 * `limits: { maxParameters: 999 }`.
 */
export const OP_SQLITE_LIMITS: SQLiteLimits = {
  maxParameters: 32_766,
  maxStatementBytes: 1_000_000_000,
  maxLikePatternBytes: 50_000,
}

/**
 * op-sqlite's transaction starts with a deferred `BEGIN`, which takes the
 * write lock only at the first write. A write that changes nothing, run
 * first, takes it for the whole body, as BEGIN IMMEDIATE would: a second
 * writer waits up front instead of failing halfway with SQLITE_BUSY.
 *
 * Its table is created by the first transaction that needs it, inside that
 * transaction (creating it is a write, so it takes the lock too): a file made
 * read-only before this runtime wrote to it (or written by another runtime)
 * then refuses the write with SQLITE_READONLY, which core types as
 * ReadOnlyDatabaseError, rather than with "no such table".
 */
export const WRITE_LOCK_TABLE = 'persistdb_write_lock'
const CREATE_WRITE_LOCK_TABLE = `CREATE TABLE IF NOT EXISTS ${WRITE_LOCK_TABLE} (id INTEGER PRIMARY KEY)`
const TAKE_WRITE_LOCK = `DELETE FROM ${WRITE_LOCK_TABLE} WHERE 0`

export interface OpSQLiteDriverOptions {
  /** Close the op-sqlite database on `close()` (true when PersistDB opened it). */
  readonly ownsDatabase?: boolean
  readonly limits?: Partial<SQLiteLimits>
  /** Runs once, before the first statement (pragmas, format check); its failure fails every call. */
  readonly prepare?: (database: OpSQLiteDatabase) => Promise<void>
}

/**
 * op-sqlite as an asynchronous PersistDB driver. Thin, as the contract in
 * core's driver.ts asks: statements go to `execute`, transactions to
 * op-sqlite's own `transaction`, results through `readRows`. Core queues
 * reads behind an open transaction (one connection, `isolation:
 * 'serialized'`) and normalizes values (op-sqlite gives BLOBs as
 * ArrayBuffer). No `runBatch`: op-sqlite's `executeBatch` opens its own
 * transaction behind the database's transaction queue, so inside ours it
 * would wait for itself.
 */
export class OpSQLiteDriver implements SQLiteDriver {
  readonly mode = 'async' as const
  readonly isolation = 'serialized' as const
  readonly limits: SQLiteLimits
  private readonly lockKey: string
  private readonly file: string | undefined
  private opening: Promise<void> | undefined
  /** Set once a transaction committed with the write-lock table in place. */
  private writeLockTableExists = false

  constructor(
    readonly database: OpSQLiteDatabase,
    private readonly options: OpSQLiteDriverOptions = {},
  ) {
    this.limits = { ...OP_SQLITE_LIMITS, ...options.limits }
    this.file = databasePath(database)
    this.lockKey = this.file && this.file !== ':memory:' ? `file:${this.file}` : `memory:${++anonymous}`
  }

  async all(sql: string, params?: readonly SQLiteValue[]): Promise<readonly SQLiteEngineRow[]> {
    await this.opened()
    let result: unknown
    try {
      result = await this.database.execute(sql, toOpSQLiteParams(params))
    } catch (error) {
      throw this.closedUnderUs(error)
    }
    return readRows(result, sql)
  }

  /** A statement outside a transaction may write: it waits its turn like a transaction. */
  async run(sql: string, params?: readonly SQLiteValue[]): Promise<void> {
    await this.opened()
    try {
      await withFileLock(this.lockKey, () => this.database.execute(sql, toOpSQLiteParams(params)))
    } catch (error) {
      throw this.closedUnderUs(error)
    }
  }

  async transaction<T>(body: (tx: SQLiteExecutor) => MaybePromise<T>): Promise<T> {
    try {
      return await this.writeTransaction(body)
    } catch (error) {
      throw this.closedUnderUs(error)
    }
  }

  private async writeTransaction<T>(body: (tx: SQLiteExecutor) => MaybePromise<T>): Promise<T> {
    await this.opened()
    return withFileLock(this.lockKey, async () => {
      let outcome: { value: T } | undefined
      let failed: { error: unknown } | undefined
      try {
        await this.database.transaction(async (tx) => {
          if (!this.writeLockTableExists) await tx.execute(CREATE_WRITE_LOCK_TABLE)
          await tx.execute(TAKE_WRITE_LOCK)
          const executor = new TransactionStatements(tx)
          try {
            outcome = { value: await body(executor) }
          } catch (error) {
            failed = { error }
            throw error
          } finally {
            // op-sqlite commits or rolls back as soon as this function settles, while a statement
            // the body started without awaiting may still be on the native thread: it would then run
            // outside the transaction. Let every one finish first.
            await executor.settled()
          }
        })
      } catch (error) {
        // SQLite rolls back by itself on some errors (SQLITE_FULL, IOERR, NOMEM): op-sqlite's ROLLBACK
        // then fails with "no transaction is active", which must not hide the error that caused it.
        throw failed ? failed.error : error
      }
      if (!outcome) throw new Error('op-sqlite resolved a transaction without running its body.')
      this.writeLockTableExists = true
      return outcome.value
    })
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined)
    if (this.options.ownsDatabase) this.database.close()
  }

  /**
   * The app closed the database it handed over, or deleted it through op-sqlite's `delete()` (which
   * closes it first): every later statement fails with op-sqlite's "database is closed".
   */
  private closedUnderUs(error: unknown): unknown {
    if (isPersistenceVerdict(error)) return error
    return isClosedConnection(error) ? new ConnectionClosedError(this.file, 'in-use') : error
  }

  private opened(): Promise<void> {
    const prepare = this.options.prepare
    if (!prepare) return Promise.resolve()
    this.opening ??= withFileLock(this.lockKey, () => prepare(this.database))
    return this.opening
  }
}

/** A transaction's executor that knows which of its statements are still running. */
class TransactionStatements implements SQLiteExecutor {
  private readonly running = new Set<Promise<unknown>>()

  constructor(private readonly tx: OpSQLiteTransaction) {}

  all(sql: string, params?: readonly SQLiteValue[]): Promise<readonly SQLiteEngineRow[]> {
    return this.track(this.tx.execute(sql, toOpSQLiteParams(params))).then((result) => readRows(result, sql))
  }

  run(sql: string, params?: readonly SQLiteValue[]): Promise<void> {
    return this.track(this.tx.execute(sql, toOpSQLiteParams(params))).then(() => undefined)
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }

  private track<T>(statement: Promise<T>): Promise<T> {
    this.running.add(statement)
    const done = () => this.running.delete(statement)
    statement.then(done, done)
    return statement
  }
}

/** Connections to one file share a lock (file-lock.ts); an in-memory database is its own. */
let anonymous = 0

function databasePath(database: OpSQLiteDatabase): string | undefined {
  try {
    return database.getDbPath() || undefined
  } catch {
    // A database that cannot tell its path shares no lock.
    return undefined
  }
}
