/**
 * The one interface every runtime implements. Deliberately small: two ways to
 * run a statement, one way to run a write transaction, and close.
 *
 * A driver is either synchronous (`mode: 'sync'`: every method returns plain
 * values, e.g. better-sqlite3, Durable Objects) or asynchronous (`'async'`:
 * every method may return a promise, e.g. SQLite WASM in a worker, mobile
 * bridges). Core runs the same storage code on both; with a sync driver a
 * local-only write is on disk before `collection.insert()` returns.
 */
export type SQLiteValue = string | number | bigint | Uint8Array | null
export type SQLiteRow = Readonly<Record<string, SQLiteValue>>
export type MaybePromise<T> = T | Promise<T>

export interface SQLiteExecutor {
  /** Runs a statement and returns its rows as objects keyed by column name. */
  all(sql: string, params?: readonly SQLiteValue[]): MaybePromise<readonly SQLiteRow[]>
  /** Runs a statement for its effect. */
  run(sql: string, params?: readonly SQLiteValue[]): MaybePromise<void>
}

export interface SQLiteDriver extends SQLiteExecutor {
  readonly mode: 'sync' | 'async'
  /**
   * Runs `body` as one atomic write transaction holding the write lock
   * (BEGIN IMMEDIATE or the engine's equivalent), committing when it returns
   * and rolling back when it throws. A sync driver calls `body` synchronously
   * and its executor returns plain values.
   */
  transaction<T>(body: (tx: SQLiteExecutor) => MaybePromise<T>): MaybePromise<T>
  close(): MaybePromise<void>
}

export function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
