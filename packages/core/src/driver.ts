/**
 * The one interface every runtime implements, and the contract it is held to.
 *
 * A driver is thin: it hands statements to its engine and results back. The
 * policy that makes every engine behave alike lives once, in core
 * (`guarded-driver.ts` wraps every driver a persistence is given), the way
 * Kysely keeps policy in its runtime around thin dialect drivers. The
 * contract, checked for every driver in the repository by one suite
 * (`packages/core/test/contract/driver-contract.ts`):
 *
 * - **Mode.** `'sync'`: every method returns plain values (better-sqlite3,
 *   Durable Objects); a local-only write is on disk before
 *   `collection.insert()` returns. `'async'`: methods may return promises
 *   (SQLite WASM in a worker, mobile bridges).
 * - **Transactions.** `transaction(body)` runs `body` as one atomic write
 *   transaction holding the write lock for the whole body (BEGIN IMMEDIATE or
 *   the engine's equivalent), commits when the body returns and rolls back
 *   when it throws, leaving nothing. The body uses only the executor it is
 *   given. Core serializes transactions (at most one open per driver), so a
 *   driver need not queue them; a transaction started from inside a body is
 *   rejected (`PERSISTDB_TRANSACTION_MISUSE`).
 * - **Isolation.** A read outside a transaction never observes another
 *   transaction's uncommitted work. Core enforces it for async drivers by
 *   queueing such reads behind the open transaction (and a transaction behind
 *   reads in flight), which is what a single-connection engine needs. A
 *   driver whose reads run on their own connection may declare
 *   `isolation: 'connection'` to skip that queue.
 * - **Values.** Bound parameters are `SQLiteValue`s (a bigint only where the
 *   engine takes one; core binds integers within ±2^53 as numbers). Results
 *   may come back in the engine's own types (`ArrayBuffer` or `number[]` for
 *   BLOBs, `bigint` for integers, `boolean`); core normalizes every column of
 *   every row to `SQLiteValue` (BLOB: `Uint8Array`, integer: `number` when
 *   safe, else `bigint`) and refuses anything else with
 *   `PERSISTDB_DRIVER_RESULT`. A result that is not an array of row objects is
 *   refused, never read as "no rows".
 * - **Limits.** A driver declares its engine's limits (`limits`); core's own
 *   statements respect them: batches, `IN` lists and LIKE/GLOB patterns are
 *   split or left to memory, and a statement over a limit is refused before it
 *   reaches the engine (`PERSISTDB_STATEMENT_LIMIT`).
 * - **Batching.** A transaction's executor may offer `runBatch` to send
 *   several effect-only statements in one round trip; core uses it for the
 *   runs between two reads of a transaction.
 * - **Errors.** An engine failure surfaces as `SQLiteEngineError`
 *   (`PERSISTDB_SQLITE_ERROR`) carrying the engine's message and, where the
 *   engine has one, its code (`SQLITE_CONSTRAINT_UNIQUE`, ...).
 * - **Close.** `close()` after every transaction core started has settled;
 *   calls after `close()` are refused with `PERSISTDB_CLOSED`.
 */
export type SQLiteValue = string | number | bigint | Uint8Array | null
export type SQLiteRow = Readonly<Record<string, SQLiteValue>>
export type MaybePromise<T> = T | Promise<T>

/** A row as an engine may hand it over, before core normalizes its values. */
export type SQLiteEngineRow = Readonly<Record<string, unknown>>

export interface SQLiteStatement {
  readonly sql: string
  readonly params?: readonly SQLiteValue[]
}

export interface SQLiteExecutor {
  /** Runs a statement and returns its rows as objects keyed by column name. */
  all(sql: string, params?: readonly SQLiteValue[]): MaybePromise<readonly SQLiteEngineRow[]>
  /** Runs a statement for its effect. */
  run(sql: string, params?: readonly SQLiteValue[]): MaybePromise<void>
  /**
   * Optional: runs effect-only statements in order, in as few round trips as
   * the engine allows, failing at the first that fails. Only used inside a
   * transaction.
   */
  runBatch?(statements: readonly SQLiteStatement[]): MaybePromise<void>
}

/** What an engine accepts in one statement. */
export interface SQLiteLimits {
  /** Bound parameters per statement (SQLite's SQLITE_MAX_VARIABLE_NUMBER; Durable Objects: 100). */
  readonly maxParameters: number
  /** Statement text length in UTF-8 bytes (SQLITE_MAX_SQL_LENGTH; Durable Objects: 100 KB). */
  readonly maxStatementBytes: number
  /** LIKE/GLOB pattern length in bytes (SQLITE_MAX_LIKE_PATTERN_LENGTH). */
  readonly maxLikePatternBytes: number
}

/**
 * What core assumes of a driver that declares nothing: SQLite's compile-time
 * defaults, with the parameter count of SQLite before 3.32 (999), which some
 * mobile builds still use.
 */
export const DEFAULT_SQLITE_LIMITS: SQLiteLimits = {
  maxParameters: 999,
  maxStatementBytes: 1_000_000,
  maxLikePatternBytes: 50_000,
}

export interface SQLiteDriver extends SQLiteExecutor {
  readonly mode: 'sync' | 'async'
  /** The engine's limits; anything left out takes `DEFAULT_SQLITE_LIMITS`. */
  readonly limits?: Partial<SQLiteLimits>
  /**
   * `'serialized'` (default): reads and transactions share one connection, so
   * core queues reads behind an open transaction. `'connection'`: the engine
   * isolates reads itself (their own connection, or a snapshot).
   */
  readonly isolation?: 'serialized' | 'connection'
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
