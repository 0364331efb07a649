import Database from 'better-sqlite3'
import type { MaybePromise, SQLiteDriver, SQLiteExecutor, SQLiteRow, SQLiteValue } from '../../src'

/**
 * An asynchronous driver over a real SQLite file: every call answers on a
 * later macrotask, as a worker or a native bridge would, and transactions run
 * one at a time like a single worker connection. Tests use it to prove core's
 * async path on real SQLite.
 */
export class AsyncBetterSqliteDriver implements SQLiteDriver {
  readonly mode = 'async' as const
  readonly db: Database.Database
  private queue: Promise<unknown> = Promise.resolve()

  constructor(path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
  }

  private later<T>(fn: () => T): Promise<T> {
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(fn())
        } catch (error) {
          reject(error)
        }
      }),
    )
  }

  all(sql: string, params: readonly SQLiteValue[] = []): Promise<readonly SQLiteRow[]> {
    return this.later(() => this.db.prepare(sql).all(...params) as SQLiteRow[])
  }

  run(sql: string, params: readonly SQLiteValue[] = []): Promise<void> {
    return this.later(() => void this.db.prepare(sql).run(...params))
  }

  transaction<T>(body: (tx: SQLiteExecutor) => MaybePromise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      await this.run('BEGIN IMMEDIATE')
      try {
        const result = await body(this)
        await this.run('COMMIT')
        return result
      } catch (error) {
        if (this.db.inTransaction) await this.run('ROLLBACK')
        throw error
      }
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  close(): void {
    this.db.close()
  }
}
