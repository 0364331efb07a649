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
import { describeShape } from './driver-values'
import { DriverResultError } from './errors'

/**
 * Storage operations are written once, as generators that yield statements,
 * and run on either kind of driver: synchronously on a sync driver (no
 * microtask between statements, so a write completes inside `commit()`), or
 * awaiting each statement on an async one.
 */
export type Step =
  | { readonly kind: 'all'; readonly sql: string; readonly params?: readonly SQLiteValue[] }
  | { readonly kind: 'run'; readonly sql: string; readonly params?: readonly SQLiteValue[] }
  /** Asks for the driver's limits (answered without touching the engine). */
  | { readonly kind: 'limits' }

type StepResult = readonly SQLiteRow[] | SQLiteLimits | undefined

export type StorageOp<T> = Generator<Step, T, StepResult>

export function all(sql: string, params?: readonly SQLiteValue[]): Step {
  return { kind: 'all', sql, params }
}

export function run(sql: string, params?: readonly SQLiteValue[]): Step {
  return { kind: 'run', sql, params }
}

/** The limits of the driver the op runs on, so its statements can respect them. */
export function* driverLimits(): StorageOp<SQLiteLimits> {
  return (yield { kind: 'limits' }) as SQLiteLimits
}

/** Yields a query and returns its rows (typed helper for `yield*`). */
export function* query(sql: string, params?: readonly SQLiteValue[]): StorageOp<readonly SQLiteRow[]> {
  const rows = yield all(sql, params)
  if (!Array.isArray(rows)) {
    throw new DriverResultError(
      `The SQLite driver returned ${describeShape(rows)} for a query; expected an array of row objects.`,
    )
  }
  // Cheap shape check of the first row: value arrays (columnar results) or nulls are never row objects.
  const first: unknown = rows[0]
  if (rows.length > 0 && (typeof first !== 'object' || first === null || Array.isArray(first))) {
    throw new DriverResultError(
      `The SQLite driver returned rows as ${Array.isArray(first) ? 'arrays of values' : describeShape(first)} ` +
        `for a query; expected each row to be an object keyed by column name.`,
    )
  }
  return rows
}

function step(executor: SQLiteExecutor, s: Step): MaybePromise<StepResult> {
  if (s.kind === 'limits') return limitsOf(executor)
  return s.kind === 'all'
    ? (executor.all(s.sql, s.params) as MaybePromise<readonly SQLiteRow[]>)
    : (executor.run(s.sql, s.params) as MaybePromise<undefined>)
}

function limitsOf(executor: SQLiteExecutor): SQLiteLimits {
  return (executor as { limits?: SQLiteLimits }).limits ?? DEFAULT_SQLITE_LIMITS
}

/** Drives `op` to completion against `executor`; synchronous while the executor is. */
export function drive<T>(executor: SQLiteExecutor, op: StorageOp<T>): MaybePromise<T> {
  let input: StepResult
  for (;;) {
    const next = op.next(input)
    if (next.done) return next.value
    const result = step(executor, next.value)
    if (isPromiseLike(result)) return result.then((rows) => continueAsync(executor, op, rows))
    input = result
  }
}

async function continueAsync<T>(executor: SQLiteExecutor, op: StorageOp<T>, first: StepResult): Promise<T> {
  let input = first
  for (;;) {
    const next = op.next(input)
    if (next.done) return next.value
    input = await step(executor, next.value)
  }
}

/**
 * Runs `op` inside one write transaction of `driver`. On an async driver
 * whose transactions take batches, the runs between two reads go to the
 * engine together (one round trip instead of one per statement); a failing
 * run then fails the transaction at the next read or at its end.
 * `beforeCommit` runs after the op, still inside the transaction: throwing rolls it back.
 */
export function driveInTransaction<T>(
  driver: SQLiteDriver,
  op: () => StorageOp<T>,
  beforeCommit?: () => void,
): MaybePromise<T> {
  return driver.transaction((tx) => {
    const result = driver.mode === 'async' && tx.runBatch ? driveBatched(tx, op()) : drive(tx, op())
    if (!beforeCommit) return result
    return isPromiseLike(result)
      ? result.then((value) => {
          beforeCommit()
          return value
        })
      : (beforeCommit(), result)
  })
}

async function driveBatched<T>(tx: SQLiteExecutor, op: StorageOp<T>): Promise<T> {
  let input: StepResult
  let pending: SQLiteStatement[] = []
  const flush = async () => {
    if (pending.length === 0) return
    const statements = pending
    pending = []
    await tx.runBatch!(statements)
  }
  for (;;) {
    const next = op.next(input)
    if (next.done) {
      await flush()
      return next.value
    }
    const s = next.value
    if (s.kind === 'run') {
      pending.push(s.params ? { sql: s.sql, params: s.params } : { sql: s.sql })
      input = undefined
      continue
    }
    if (s.kind === 'all') await flush()
    input = await step(tx, s)
  }
}

/** Unwraps a result that a sync driver must have produced synchronously. */
export function expectSync<T>(value: MaybePromise<T>, what: string): T {
  if (isPromiseLike(value)) {
    void value.catch(() => undefined)
    throw new DriverResultError(`A driver declared mode 'sync' returned a promise from ${what}.`)
  }
  return value
}
