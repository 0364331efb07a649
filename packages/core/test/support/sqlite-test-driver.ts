import Database from 'better-sqlite3'
import type { MaybePromise, SQLiteDriver, SQLiteExecutor, SQLiteRow, SQLiteValue } from '../../src'

/**
 * A test driver over a real SQLite file, in either mode. Async: every call
 * answers on a later macrotask, as a worker or a native bridge would, and
 * transactions run one at a time like a single worker connection. Subclasses
 * may reshape query results (`resultOf`) to play a misbehaving driver.
 */
export class BetterSqliteTestDriver implements SQLiteDriver {
  readonly db: Database.Database
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    path: string,
    readonly mode: 'sync' | 'async',
  ) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
  }

  /** What `all()` hands back for a statement's rows. */
  protected resultOf(_sql: string, _statement: Database.Statement, rows: SQLiteRow[]): unknown {
    return rows
  }

  private answer<T>(value: () => T): MaybePromise<T> {
    if (this.mode === 'sync') return value()
    return new Promise<T>((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(value())
        } catch (error) {
          reject(error)
        }
      }),
    )
  }

  all(sql: string, params: readonly SQLiteValue[] = []): MaybePromise<readonly SQLiteRow[]> {
    return this.answer(() => {
      const statement = this.db.prepare(sql)
      return this.resultOf(sql, statement, statement.all(...params) as SQLiteRow[]) as readonly SQLiteRow[]
    })
  }

  run(sql: string, params: readonly SQLiteValue[] = []): MaybePromise<void> {
    return this.answer(() => void this.db.prepare(sql).run(...params))
  }

  transaction<T>(body: (tx: SQLiteExecutor) => MaybePromise<T>): MaybePromise<T> {
    if (this.mode === 'sync') {
      this.db.prepare('BEGIN IMMEDIATE').run()
      try {
        const result = body(this)
        if (result instanceof Promise) throw new Error('sync transaction body returned a promise')
        this.db.prepare('COMMIT').run()
        return result
      } catch (error) {
        if (this.db.inTransaction) this.db.prepare('ROLLBACK').run()
        throw error
      }
    }
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

/** The asynchronous flavour, as a WASM worker or mobile bridge behaves. */
export class AsyncBetterSqliteDriver extends BetterSqliteTestDriver {
  declare readonly mode: 'async'

  constructor(path: string) {
    super(path, 'async')
  }

  override all(sql: string, params?: readonly SQLiteValue[]): Promise<readonly SQLiteRow[]> {
    return super.all(sql, params) as Promise<readonly SQLiteRow[]>
  }

  override run(sql: string, params?: readonly SQLiteValue[]): Promise<void> {
    return super.run(sql, params) as Promise<void>
  }
}
