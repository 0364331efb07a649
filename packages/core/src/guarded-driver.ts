import {
  DEFAULT_SQLITE_LIMITS,
  isPromiseLike,
  type MaybePromise,
  type SQLiteDriver,
  type SQLiteExecutor,
  type SQLiteLimits,
  type SQLiteRow,
  type SQLiteStatement,
  type SQLiteValue,
} from './driver'
import { normalizeRows } from './driver-values'
import { sqliteCodeName } from './sqlite-failure'
import {
  InvalidOptionsError,
  PersistenceClosedError,
  PersistenceError,
  SQLiteEngineError,
  StatementLimitError,
  TransactionMisuseError,
} from './errors'
import { ReadWriteQueue } from './read-write-queue'

/** The executor core drives: normalized rows, the driver's limits, and a batch method always present. */
export interface GuardedExecutor extends SQLiteExecutor {
  readonly limits: SQLiteLimits
  all(sql: string, params?: readonly SQLiteValue[]): MaybePromise<readonly SQLiteRow[]>
  runBatch(statements: readonly SQLiteStatement[]): MaybePromise<void>
}

/**
 * The driver contract's policy, enforced once for every driver (driver.ts):
 * serialized transactions, reads isolated from an open transaction, values
 * normalized, limits checked before a statement reaches the engine, engine
 * failures as typed errors, nested use and use after close refused.
 */
export class GuardedDriver implements SQLiteDriver, GuardedExecutor {
  readonly mode: 'sync' | 'async'
  readonly limits: SQLiteLimits
  readonly isolation: 'serialized' | 'connection'
  private readonly queue = new ReadWriteQueue()
  /** A transaction body is running (sync drivers) or its synchronous part is (async drivers). */
  private inBody = false
  private closed = false
  private closing: MaybePromise<void> | undefined

  constructor(readonly engine: SQLiteDriver) {
    this.mode = engine.mode
    this.isolation = engine.isolation ?? 'serialized'
    this.limits = resolveLimits(engine.limits)
  }

  all(sql: string, params: readonly SQLiteValue[] = []): MaybePromise<readonly SQLiteRow[]> {
    this.assertUsable(sql, params)
    return this.shared(() => engineCall(() => this.engine.all(sql, params), normalizeRows))
  }

  /** Outside a transaction a statement may write: it is ordered like a transaction. */
  run(sql: string, params: readonly SQLiteValue[] = []): MaybePromise<void> {
    this.assertUsable(sql, params)
    return this.exclusive(() => engineCall(() => this.engine.run(sql, params), noResult))
  }

  runBatch(statements: readonly SQLiteStatement[]): MaybePromise<void> {
    return this.transaction((tx) => tx.runBatch(statements))
  }

  transaction<T>(body: (tx: GuardedExecutor) => MaybePromise<T>): MaybePromise<T> {
    if (this.inBody) {
      throw new TransactionMisuseError(
        'A transaction was started from inside another transaction on the same driver. Use the executor the ' +
          'outer transaction body was given; SQLite has no nested transactions.',
      )
    }
    this.assertOpen()
    return this.exclusive(() => this.runTransaction(body))
  }

  private runTransaction<T>(body: (tx: GuardedExecutor) => MaybePromise<T>): MaybePromise<T> {
    let bodyError: { error: unknown } | undefined
    let ended = false
    const run = (tx: SQLiteExecutor): MaybePromise<T> => {
      const guarded = new TransactionExecutor(tx, this.limits, () => ended)
      this.inBody = true
      let result: MaybePromise<T>
      try {
        result = body(guarded)
      } catch (error) {
        bodyError = { error }
        throw error
      } finally {
        this.inBody = false
      }
      if (this.mode === 'sync' && isPromiseLike(result)) {
        void result.catch(() => undefined)
        bodyError = {
          error: new TransactionMisuseError(
            'A transaction body on a synchronous driver returned a promise; it must run synchronously.',
          ),
        }
        throw bodyError.error
      }
      if (!isPromiseLike(result)) return result
      return result.then(undefined, (error: unknown) => {
        bodyError = { error }
        throw error
      })
    }
    const fail = (error: unknown): never => {
      ended = true
      // The body's own error passes through as it is; anything else came from the engine (BEGIN, COMMIT).
      throw bodyError && bodyError.error === error ? error : toEngineError(error)
    }
    let outcome: MaybePromise<T>
    try {
      outcome = this.engine.transaction(run)
    } catch (error) {
      return fail(error)
    }
    if (!isPromiseLike(outcome)) {
      ended = true
      return outcome
    }
    return outcome.then((value) => {
      ended = true
      return value
    }, fail)
  }

  close(): MaybePromise<void> {
    if (this.closing) return this.closing
    this.closed = true
    // Waits for the transaction and reads in flight, then closes the engine.
    this.closing = this.exclusive(() => engineCall(() => this.engine.close(), noResult))
    return this.closing
  }

  private shared<T>(work: () => MaybePromise<T>): MaybePromise<T> {
    if (this.mode === 'sync' || this.isolation === 'connection') return work()
    return this.queue.shared(work)
  }

  private exclusive<T>(work: () => MaybePromise<T>): MaybePromise<T> {
    if (this.mode === 'sync') return work()
    return this.queue.exclusive(work)
  }

  private assertOpen(): void {
    if (this.closed) throw new PersistenceClosedError()
  }

  private assertUsable(sql: string, params: readonly SQLiteValue[]): void {
    this.assertOpen()
    checkLimits(this.limits, sql, params)
  }
}

/** What a transaction body is given: the engine's executor, with the same checks and normalization. */
class TransactionExecutor implements GuardedExecutor {
  constructor(
    private readonly tx: SQLiteExecutor,
    readonly limits: SQLiteLimits,
    private readonly ended: () => boolean,
  ) {}

  all(sql: string, params: readonly SQLiteValue[] = []): MaybePromise<readonly SQLiteRow[]> {
    this.check(sql, params)
    return engineCall(() => this.tx.all(sql, params), normalizeRows)
  }

  run(sql: string, params: readonly SQLiteValue[] = []): MaybePromise<void> {
    this.check(sql, params)
    return engineCall(() => this.tx.run(sql, params), noResult)
  }

  runBatch(statements: readonly SQLiteStatement[]): MaybePromise<void> {
    for (const s of statements) this.check(s.sql, s.params ?? [])
    if (this.tx.runBatch) {
      const batch = this.tx.runBatch.bind(this.tx)
      return engineCall(() => batch(statements), noResult)
    }
    return runInOrder(this, statements, 0)
  }

  private check(sql: string, params: readonly SQLiteValue[]): void {
    if (this.ended()) {
      throw new TransactionMisuseError(
        'A transaction executor was used after its transaction ended; statements belong inside the body.',
      )
    }
    checkLimits(this.limits, sql, params)
  }
}

function runInOrder(
  tx: SQLiteExecutor,
  statements: readonly SQLiteStatement[],
  from: number,
): MaybePromise<void> {
  for (let i = from; i < statements.length; i++) {
    const result = tx.run(statements[i]!.sql, statements[i]!.params)
    if (isPromiseLike(result)) return result.then(() => runInOrder(tx, statements, i + 1))
  }
}

/** Core wraps every driver it is given once; wrapping again returns the same guard. */
export function guardDriver(driver: SQLiteDriver): GuardedDriver {
  if (driver instanceof GuardedDriver) return driver
  if (!driver || (driver.mode !== 'sync' && driver.mode !== 'async')) {
    throw new InvalidOptionsError("A SQLite driver must declare mode 'sync' or 'async'.")
  }
  return new GuardedDriver(driver)
}

function resolveLimits(declared: Partial<SQLiteLimits> | undefined): SQLiteLimits {
  const limits = { ...DEFAULT_SQLITE_LIMITS }
  for (const name of Object.keys(limits) as (keyof SQLiteLimits)[]) {
    const value = declared?.[name]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidOptionsError(
        `The driver declares limits.${name} = ${String(value)}; expected an integer >= 1.`,
      )
    }
    limits[name] = value
  }
  return limits
}

function checkLimits(limits: SQLiteLimits, sql: string, params: readonly SQLiteValue[]): void {
  if (params.length > limits.maxParameters) {
    throw new StatementLimitError(
      `A statement with ${params.length} bound parameters was not sent: the driver allows ${limits.maxParameters}.`,
    )
  }
  // UTF-8 needs at most 3 bytes per UTF-16 unit: count only when the text could be too long.
  if (sql.length * 3 > limits.maxStatementBytes) {
    const bytes = new TextEncoder().encode(sql).length
    if (bytes > limits.maxStatementBytes) {
      throw new StatementLimitError(
        `A statement of ${bytes} bytes was not sent: the driver allows ${limits.maxStatementBytes}.`,
      )
    }
  }
}

/** Calls the engine, turning what it throws or rejects with into a typed error, and shapes the result. */
function engineCall<R, T>(call: () => MaybePromise<R>, shape: (raw: R) => T): MaybePromise<T> {
  let raw: MaybePromise<R>
  try {
    raw = call()
  } catch (error) {
    throw toEngineError(error)
  }
  if (isPromiseLike(raw)) {
    return raw.then(shape, (error: unknown) => {
      throw toEngineError(error)
    })
  }
  return shape(raw)
}

function noResult(): void {}

/** PersistDB's own errors pass through; anything else an engine threw becomes a SQLiteEngineError. */
export function toEngineError(error: unknown): unknown {
  if (error instanceof PersistenceError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new SQLiteEngineError(message, engineCodeOf(error), error)
}

/** The engine's result code, named for a primary code however the engine reported it (sqlite-failure.ts). */
function engineCodeOf(error: unknown): string | undefined {
  return sqliteCodeName(error)
}
