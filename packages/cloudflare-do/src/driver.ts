import type {
  SQLiteDriver,
  SQLiteEngineRow,
  SQLiteExecutor,
  SQLiteLimits,
  SQLiteStatement,
  SQLiteValue,
} from '@persistdb/core'
import { toBindings } from './bind'
import type { DOStorage } from './storage-types'

/**
 * Durable Object SQL's documented limits: 100 bound parameters and 100 KB of
 * statement text per statement. LIKE/GLOB patterns keep SQLite's default.
 */
export const DURABLE_OBJECT_SQL_LIMITS: SQLiteLimits = {
  maxParameters: 100,
  maxStatementBytes: 100_000,
  maxLikePatternBytes: 50_000,
}

/**
 * A Durable Object's SQLite (`ctx.storage.sql`) as a synchronous PersistDB
 * driver. Core's guard (guarded-driver.ts) checks limits and normalizes
 * results (BLOBs arrive as ArrayBuffer); this class only maps calls onto
 * workerd's API.
 *
 * workerd refuses `BEGIN`, `SAVEPOINT` and most pragmas, so a write
 * transaction is `storage.transactionSync(body)`: committed when the body
 * returns, rolled back when it throws. The driver itself sends no statement
 * of its own. `close()` only stops use: the object's database lives as long
 * as the object.
 */
export class DurableObjectSQLiteDriver implements SQLiteDriver {
  readonly mode = 'sync' as const
  readonly limits = DURABLE_OBJECT_SQL_LIMITS
  private readonly executor: SQLiteExecutor

  constructor(readonly storage: DOStorage) {
    const sql = storage.sql
    const all = (query: string, params: readonly SQLiteValue[] = []): readonly SQLiteEngineRow[] =>
      sql.exec(query, ...toBindings(params)).toArray()
    // Iterating the cursor to its end runs the statement to completion.
    const run = (query: string, params: readonly SQLiteValue[] = []): void => {
      sql.exec(query, ...toBindings(params)).toArray()
    }
    const runBatch = (statements: readonly SQLiteStatement[]): void => {
      for (const s of statements) run(s.sql, s.params)
    }
    this.executor = { all, run, runBatch }
  }

  all(sql: string, params?: readonly SQLiteValue[]): readonly SQLiteEngineRow[] {
    return this.executor.all(sql, params) as readonly SQLiteEngineRow[]
  }

  run(sql: string, params?: readonly SQLiteValue[]): void {
    this.executor.run(sql, params) as void
  }

  transaction<T>(body: (tx: SQLiteExecutor) => T): T {
    return this.storage.transactionSync(() => body(this.executor))
  }

  close(): void {}
}
