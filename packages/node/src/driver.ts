import type Database from 'better-sqlite3'
import {
  ConnectionClosedError,
  type SQLiteDriver,
  type SQLiteExecutor,
  type SQLiteRow,
  type SQLiteValue,
} from '@persistdb/core'

type Statement = Database.Statement<unknown[], unknown>

/**
 * better-sqlite3 as a synchronous PersistDB driver: a statement cache, and
 * write transactions as BEGIN IMMEDIATE so a writer waits (busy_timeout) for
 * the lock up front instead of failing at its first write.
 */
export class BetterSqlite3Driver implements SQLiteDriver {
  readonly mode = 'sync' as const
  /** better-sqlite3 12 bundles SQLite 3.5x: its compile-time defaults. */
  readonly limits = { maxParameters: 32_766, maxStatementBytes: 1_000_000_000, maxLikePatternBytes: 50_000 }
  private readonly statements = new Map<string, Statement>()
  private readonly tx: SQLiteExecutor
  /** Held apart from the cache: every transaction uses them, no eviction or lookup per commit. */
  private begin: Statement | undefined
  private commit: Statement | undefined

  constructor(
    readonly database: Database.Database,
    private readonly ownsDatabase: boolean,
    private readonly maxCachedStatements = 512,
  ) {
    this.tx = { all: (sql, params) => this.all(sql, params), run: (sql, params) => this.run(sql, params) }
  }

  /**
   * The app closed the connection it handed over while PersistDB still uses it: better-sqlite3 would
   * throw a bare TypeError; this one stops the persistence (collections to error, nothing acknowledged).
   */
  private checkOpen(): void {
    if (!this.database.open) throw new ConnectionClosedError(this.database.name, 'in-use')
  }

  private prepare(sql: string): Statement {
    this.checkOpen()
    let statement = this.statements.get(sql)
    if (!statement) {
      if (this.statements.size >= this.maxCachedStatements) {
        const oldest = this.statements.keys().next().value
        if (oldest !== undefined) this.statements.delete(oldest)
      }
      statement = this.database.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  all(sql: string, params: readonly SQLiteValue[] = []): readonly SQLiteRow[] {
    return this.prepare(sql).all(...params) as SQLiteRow[]
  }

  run(sql: string, params: readonly SQLiteValue[] = []): void {
    this.prepare(sql).run(...params)
  }

  transaction<T>(body: (tx: SQLiteExecutor) => T): T {
    this.checkOpen()
    ;(this.begin ??= this.database.prepare('BEGIN IMMEDIATE')).run()
    try {
      const result = body(this.tx)
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        throw new Error('BetterSqlite3Driver.transaction body must be synchronous')
      }
      ;(this.commit ??= this.database.prepare('COMMIT')).run()
      return result
    } catch (error) {
      if (this.database.inTransaction) this.prepare('ROLLBACK').run()
      throw error
    }
  }

  close(): void {
    this.statements.clear()
    this.begin = this.commit = undefined
    if (this.ownsDatabase && this.database.open) this.database.close()
  }
}
