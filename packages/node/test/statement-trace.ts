import Database from 'better-sqlite3'
import type { SQLiteDriver, SQLiteExecutor, SQLiteRow, SQLiteValue } from '../src'
import { BetterSqlite3Driver } from '../src'

/** One statement a driver ran, with SQLite's own plan for it. */
export interface TracedStatement {
  readonly sql: string
  readonly plan: readonly string[]
}

/**
 * A better-sqlite3 driver that records every statement with its EXPLAIN QUERY PLAN, so tests can count
 * what a storage operation cost (e.g. full scans of a rows table) on a real file.
 */
export class StatementTraceDriver implements SQLiteDriver {
  readonly mode = 'sync' as const
  readonly inner: BetterSqlite3Driver
  statements: TracedStatement[] = []

  constructor(path: string) {
    const database = new Database(path)
    database.pragma('journal_mode = WAL')
    this.inner = new BetterSqlite3Driver(database, true)
  }

  private record(sql: string, params: readonly SQLiteValue[] = []): void {
    if (!/^\s*(SELECT|WITH)\b/i.test(sql)) return
    const plan = this.inner.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{
      detail: string
    }>
    this.statements.push({ sql, plan: plan.map((step) => step.detail) })
  }

  all(sql: string, params?: readonly SQLiteValue[]): readonly SQLiteRow[] {
    this.record(sql, params)
    return this.inner.all(sql, params)
  }

  run(sql: string, params?: readonly SQLiteValue[]): void {
    this.record(sql, params)
    this.inner.run(sql, params)
  }

  transaction<T>(body: (tx: SQLiteExecutor) => T): T {
    return this.inner.transaction(() => body(this))
  }

  close(): void {
    this.inner.close()
  }

  /** Plan steps that read a whole PersistDB rows table (`SCAN`, with or without an index to walk). */
  static fullScans(statements: readonly TracedStatement[]): string[] {
    return statements.flatMap((s) => s.plan.filter((step) => /^SCAN persistdb_c\d+_rows\b/.test(step)))
  }
}
