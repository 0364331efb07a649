import {
  isPromiseLike,
  type MaybePromise,
  type SQLiteDriver,
  type SQLiteExecutor,
  type SQLiteRow,
  type SQLiteValue,
} from './driver'
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

export type StorageOp<T> = Generator<Step, T, readonly SQLiteRow[] | undefined>

export function all(sql: string, params?: readonly SQLiteValue[]): Step {
  return { kind: 'all', sql, params }
}

export function run(sql: string, params?: readonly SQLiteValue[]): Step {
  return { kind: 'run', sql, params }
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

function step(executor: SQLiteExecutor, s: Step): MaybePromise<readonly SQLiteRow[] | undefined> {
  return s.kind === 'all'
    ? executor.all(s.sql, s.params)
    : (executor.run(s.sql, s.params) as MaybePromise<undefined>)
}

/** Drives `op` to completion against `executor`; synchronous while the executor is. */
export function drive<T>(executor: SQLiteExecutor, op: StorageOp<T>): MaybePromise<T> {
  let input: readonly SQLiteRow[] | undefined
  for (;;) {
    const next = op.next(input)
    if (next.done) return next.value
    const result = step(executor, next.value)
    if (isPromiseLike(result)) return result.then((rows) => continueAsync(executor, op, rows))
    input = result as readonly SQLiteRow[] | undefined
  }
}

async function continueAsync<T>(
  executor: SQLiteExecutor,
  op: StorageOp<T>,
  first: readonly SQLiteRow[] | undefined,
): Promise<T> {
  let input = first
  for (;;) {
    const next = op.next(input)
    if (next.done) return next.value
    input = await step(executor, next.value)
  }
}

/** Runs `op` inside one write transaction of `driver`. */
export function driveInTransaction<T>(driver: SQLiteDriver, op: () => StorageOp<T>): MaybePromise<T> {
  return driver.transaction((tx) => drive(tx, op()))
}

/** Unwraps a result that a sync driver must have produced synchronously. */
export function expectSync<T>(value: MaybePromise<T>, what: string): T {
  if (isPromiseLike(value)) {
    void value.catch(() => undefined)
    throw new DriverResultError(`A driver declared mode 'sync' returned a promise from ${what}.`)
  }
  return value
}

function describeShape(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'object') return `an object with keys [${Object.keys(value).slice(0, 5).join(', ')}]`
  return typeof value
}
