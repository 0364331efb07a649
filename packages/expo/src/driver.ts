import {
  ConnectionClosedError,
  errorText,
  inspectDatabase,
  type SQLiteDriver,
  type SQLiteEngineRow,
  type SQLiteExecutor,
  type SQLiteLimits,
  type SQLiteValue,
} from '@persistdb/core'
import type { ExpoConnection, ExpoDatabase } from './expo-types'
import { openError, unlessReadOnly } from './open-error'
import { queryRows, runStatement } from './statements'

export interface ExpoConnectionSettings {
  /** How long a writer waits for another connection's write lock (ms). */
  readonly busyTimeoutMs: number
  readonly synchronous: 'NORMAL' | 'FULL' | 'EXTRA'
}

/** expo's words for a database used after `closeAsync()` (iOS, Android and the web build). */
const CLOSED_RESOURCE = /Access to closed resource/i

/** Engine words for "this platform has no exclusive transactions" (expo-sqlite's web build). */
const NO_EXCLUSIVE_TRANSACTIONS = /withExclusiveTransactionAsync is not supported/

/**
 * expo-sqlite as an asynchronous PersistDB driver. Core's guard
 * (guarded-driver.ts) serializes transactions, queues reads behind them and
 * normalizes values; this class only maps calls onto expo's API.
 *
 * Transactions run in `withExclusiveTransactionAsync`, every statement on
 * the `txn` connection it hands over, so nothing else the app runs on the
 * database can interleave. expo opens that connection with a deferred
 * `BEGIN`; the body first turns it into `BEGIN IMMEDIATE` (the write lock for
 * the whole body, waiting up to `busyTimeoutMs` for another connection's)
 * so a read-then-write body can never fail with SQLITE_BUSY halfway.
 */
export class ExpoSQLiteDriver implements SQLiteDriver {
  readonly mode = 'async' as const
  /**
   * expo-sqlite 55–57 bundle SQLite 3.5x built with the compile-time
   * defaults for these (its build flags do not change them).
   */
  readonly limits: SQLiteLimits = {
    maxParameters: 32_766,
    maxStatementBytes: 1_000_000_000,
    maxLikePatternBytes: 50_000,
  }
  /** Set when the platform refuses exclusive transactions (web): the main connection then takes the write lock. */
  private exclusiveTransactions = true
  private setup: Promise<void> | undefined
  private readonly txPrologue: string

  constructor(
    readonly database: ExpoDatabase,
    private readonly ownsDatabase: boolean,
    private readonly settings: ExpoConnectionSettings,
  ) {
    this.txPrologue =
      `PRAGMA busy_timeout = ${settings.busyTimeoutMs}; COMMIT; ` +
      `PRAGMA synchronous = ${settings.synchronous}; BEGIN IMMEDIATE`
  }

  async all(sql: string, params: readonly SQLiteValue[] = []): Promise<readonly SQLiteEngineRow[]> {
    await this.ready()
    return queryRows(this.database, sql, params).catch(this.closedUnderUs)
  }

  async run(sql: string, params: readonly SQLiteValue[] = []): Promise<void> {
    await this.ready()
    await runStatement(this.database, sql, params).catch(this.closedUnderUs)
  }

  /**
   * The app closed the database it handed over (`closeAsync()`) while PersistDB uses it: expo says
   * "Access to closed resource". Typed, it stops the persistence (collections to error, nothing more
   * acknowledged) instead of failing every read untyped. Transactions open their own connection, so only
   * the statements on the main one see it.
   */
  private closedUnderUs = (error: unknown): never => {
    if (CLOSED_RESOURCE.test(errorText(error)))
      throw new ConnectionClosedError(this.database.databasePath, 'in-use')
    throw error
  }

  async transaction<T>(body: (tx: SQLiteExecutor) => T | Promise<T>): Promise<T> {
    await this.ready()
    if (!this.exclusiveTransactions) return this.mainConnectionTransaction(body)
    let started = false
    let result: { value: T } | undefined
    let failed: { error: unknown } | undefined
    try {
      await this.database.withExclusiveTransactionAsync(async (txn) => {
        started = true
        await takeWriteLock(txn, this.txPrologue)
        result = {
          value: await runBody(txn, body).catch((error: unknown) => {
            failed = { error }
            throw error
          }),
        }
      })
    } catch (error) {
      if (!started && NO_EXCLUSIVE_TRANSACTIONS.test(errorMessage(error))) {
        this.exclusiveTransactions = false
        return this.mainConnectionTransaction(body)
      }
      // SQLite rolls back by itself on some errors (SQLITE_FULL, IOERR, NOMEM): expo's ROLLBACK then
      // fails with "no transaction is active", which must not hide the error that caused it.
      throw failed ? failed.error : error
    }
    if (!result)
      throw new Error('withExclusiveTransactionAsync resolved without running the transaction body')
    return result.value
  }

  async close(): Promise<void> {
    // A setup still running finishes first: closing under it would fail its statements.
    await this.setup?.catch(() => undefined)
    if (this.ownsDatabase) await this.database.closeAsync()
  }

  /**
   * Connection settings once, before the first statement. A file that is not
   * SQLite, damaged, foreign, newer or unreadable is refused before WAL changes
   * it (core's inspectDatabase: the format, and a quick_check of a file without
   * PersistDB's tables); a file this process cannot write keeps its journal
   * mode and is served read-only.
   */
  private ready(): Promise<void> {
    this.setup ??= (async () => {
      const { busyTimeoutMs, synchronous } = this.settings
      await this.database.execAsync(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
      await Promise.resolve()
        .then(() => inspectDatabase(rawDriver(this.database), this.database.databasePath, busyTimeoutMs))
        .catch((error: unknown) => {
          throw openError(error, this.database.databasePath, busyTimeoutMs, 'read')
        })
      if (!isInMemory(this.database.databasePath))
        await unlessReadOnly(this.database.execAsync('PRAGMA journal_mode = WAL'))
      await this.database.execAsync(`PRAGMA synchronous = ${synchronous}`)
    })().catch((error: unknown) => {
      // The next call tries again: a locked file or a fixed permission may open then.
      this.setup = undefined
      throw openError(error, this.database.databasePath, this.settings.busyTimeoutMs)
    })
    return this.setup
  }

  /** Platforms without a second connection (expo's web build): BEGIN IMMEDIATE on the one connection core drives. */
  private async mainConnectionTransaction<T>(body: (tx: SQLiteExecutor) => T | Promise<T>): Promise<T> {
    await this.database.execAsync('BEGIN IMMEDIATE')
    let value: T
    try {
      value = await runBody(this.database, body)
    } catch (error) {
      await this.database.execAsync('ROLLBACK').catch(() => undefined)
      throw error
    }
    try {
      await this.database.execAsync('COMMIT')
    } catch (error) {
      await this.database.execAsync('ROLLBACK').catch(() => undefined)
      throw error
    }
    return value
  }
}

/**
 * Ends expo's empty deferred transaction and begins an immediate one on the
 * same connection; expo's own COMMIT or ROLLBACK then ends ours. If BEGIN
 * IMMEDIATE fails (another writer held the lock past the timeout), a deferred
 * transaction is reopened so expo's ROLLBACK does not replace the error.
 */
async function takeWriteLock(txn: ExpoConnection, prologue: string): Promise<void> {
  try {
    await txn.execAsync(prologue)
  } catch (error) {
    await txn.execAsync('BEGIN').catch(() => undefined)
    throw error
  }
}

/**
 * Runs a transaction body on `connection`, and lets the transaction end only
 * once every statement the body started has settled. A statement is several
 * bridge calls (prepare, execute, finalize): one the body did not await
 * would otherwise reach the connection after expo's ROLLBACK, and commit on
 * its own.
 */
async function runBody<T>(
  connection: ExpoConnection,
  body: (tx: SQLiteExecutor) => T | Promise<T>,
): Promise<T> {
  const pending = new Set<Promise<unknown>>()
  const track = <R>(statement: Promise<R>): Promise<R> => {
    pending.add(statement)
    const done = () => pending.delete(statement)
    statement.then(done, done)
    return statement
  }
  const tx: SQLiteExecutor = {
    all: (sql, params = []) => track(queryRows(connection, sql, params)),
    run: (sql, params = []) => track(runStatement(connection, sql, params)),
  }
  try {
    return await body(tx)
  } finally {
    while (pending.size > 0) await Promise.allSettled([...pending])
  }
}

/** The driver's statements without its setup, for the checks that run before setup changes anything. */
function rawDriver(database: ExpoDatabase): SQLiteDriver {
  return {
    mode: 'async',
    all: (sql, params = []) => queryRows(database, sql, params),
    run: (sql, params = []) => runStatement(database, sql, params),
    transaction: () => {
      throw new Error('The open-time checks do not write.')
    },
    close: () => undefined,
  }
}

function isInMemory(path: string): boolean {
  return path === ':memory:' || path.endsWith('/:memory:') || path === ''
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
