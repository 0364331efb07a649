/**
 * The parts of a Durable Object's `ctx.storage` the driver uses, written
 * structurally so the package has no runtime or type dependency on
 * `@cloudflare/workers-types`. `test/storage-types.test-d.ts` checks that the
 * real `DurableObjectStorage` satisfies them, so an upstream change to these
 * methods breaks the typecheck.
 */

/** A value `sql.exec` hands back: BLOBs arrive as `ArrayBuffer`, every number as a double. */
export type DOSqlValue = ArrayBuffer | string | number | null

/** What `sql.exec` returns: an iterator over the rows of the statement's result. */
export interface DOSqlCursor {
  toArray(): Record<string, DOSqlValue>[]
}

/** `ctx.storage.sql`. Bindings: string, number, null, ArrayBuffer or a typed-array view; never a BigInt. */
export interface DOSqlStorage {
  exec(query: string, ...bindings: unknown[]): DOSqlCursor
}

/** `ctx.storage` of a SQLite-backed Durable Object. */
export interface DOStorage {
  readonly sql: DOSqlStorage
  /** Runs `closure` as one SQLite transaction: committed when it returns, rolled back when it throws. */
  transactionSync<T>(closure: () => T): T
}
