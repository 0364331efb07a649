/**
 * A stand-in for expo-sqlite's native module, backed by real SQLite
 * (better-sqlite3), for tests in Node where the native module cannot run. It
 * implements the parts of expo-sqlite's API the driver uses, typed by expo's
 * own declarations (src/expo-types.ts picks them from `SQLiteDatabase` and
 * `SQLiteStatement`), and behaves as expo documents and its iOS/Android code
 * does:
 * - every call is asynchronous and runs in order per connection, on a later
 *   macrotask, as across the native bridge;
 * - `withExclusiveTransactionAsync` opens a NEW connection to the same file,
 *   runs `BEGIN` (deferred) on it, hands it to the task, then `COMMIT`, or
 *   `ROLLBACK` when the task throws, and closes it (expo's own sequence);
 * - a connection has no busy timeout until `PRAGMA busy_timeout` sets one;
 *   waiting for a lock never blocks the JS thread (on a phone the wait
 *   happens on a native thread; here a busy statement is retried on a timer
 *   until the timeout, as SQLite's busy handler retries);
 * - values as expo returns them: integers as JS numbers (exact only within
 *   ±2^53), BLOBs as Uint8Array, text up to its first NUL (iOS reads text as
 *   a C string); parameters: integers bound as INTEGER, booleans as 0/1,
 *   bigint refused as expo's web build refuses it;
 * - engine failures as expo's errors: "Error code N: <SQLite message>";
 * - `platform: 'web'` refuses `withExclusiveTransactionAsync` with expo's
 *   web message.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import type {
  SQLiteBindParams,
  SQLiteBindValue,
  SQLiteDatabase,
  SQLiteExecuteAsyncResult,
  SQLiteRunResult,
  SQLiteVariadicBindParams,
} from 'expo-sqlite'
import type { ExpoConnection, ExpoDatabase, ExpoStatement } from '../../src/expo-types'

export interface ShimOptions {
  /** `'web'`: no exclusive transactions, as expo-sqlite's web build. Default `'native'`. */
  platform?: 'native' | 'web'
}

/** Counts what reached the engine, so tests can tell what the driver sent. */
export interface ShimStats {
  exclusiveTransactions: number
  connectionsOpened: number
  /** Statements that found the file locked and waited (busy timeout) at least once. */
  busyWaits: number
}

/**
 * Opens as expo's `openDatabaseAsync` does: the directory is created first
 * (iOS ensureDirExists, Android mkdirs), and a file SQLite cannot open fails
 * with expo's "Error code 14: unable to open database file".
 */
export async function openShimDatabaseAsync(path: string, options: ShimOptions = {}): Promise<ShimDatabase> {
  const stats: ShimStats = { exclusiveTransactions: 0, connectionsOpened: 0, busyWaits: 0 }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: ShimDatabase
  try {
    db = new ShimDatabase(path, options, stats)
  } catch (error) {
    throw expoError(error)
  }
  await db.opened
  return db
}

/** One native connection: a better-sqlite3 handle and the serial queue calls to it go through. */
class Connection {
  readonly handle: Database.Database
  private tail: Promise<unknown> = Promise.resolve()
  busyTimeoutMs = 0
  closed = false

  constructor(
    path: string,
    private readonly stats: ShimStats,
  ) {
    // timeout 0: SQLite's own busy wait would block the JS thread; see `withBusyRetry`.
    this.handle = new Database(path, { timeout: 0 })
  }

  /** Runs `work` after every earlier call on this connection, on a later macrotask. */
  call<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(
      () =>
        new Promise<T>((resolve, reject) =>
          setImmediate(() => {
            if (this.closed) return reject(new Error('Access to closed resource'))
            Promise.resolve()
              .then(work)
              .then(resolve, (error: unknown) => reject(expoError(error)))
          }),
        ),
    )
    this.tail = result.catch(() => undefined)
    return result
  }

  /** One SQLite call, retried while it is SQLITE_BUSY and the busy timeout has not passed, as SQLite's busy handler does. */
  async engine<T>(step: () => T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs
    for (let waited = false; ;) {
      try {
        return step()
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error
        if (!waited) this.stats.busyWaits++
        waited = true
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
  }
}

/** expo's native errors carry SQLite's result code and message in their text, not as a SQLITE_ code. */
function expoError(error: unknown): Error {
  if (!(error instanceof Database.SqliteError)) return error as Error
  const code = SQLITE_CODES[/^SQLITE_[A-Z]+/.exec(error.code)?.[0] ?? ''] ?? 1
  const result = new Error(
    `Calling the 'runAsync' function has failed\n→ Caused by: Error code ${code}: ${error.message}`,
  )
  ;(result as { code?: string }).code = 'ERR_INTERNAL_SQLITE_ERROR'
  return result
}

const SQLITE_CODES: Record<string, number> = {
  SQLITE_ERROR: 1,
  SQLITE_BUSY: 5,
  SQLITE_LOCKED: 6,
  SQLITE_READONLY: 8,
  SQLITE_CORRUPT: 11,
  SQLITE_FULL: 13,
  SQLITE_CANTOPEN: 14,
  SQLITE_CONSTRAINT: 19,
  SQLITE_MISMATCH: 20,
  SQLITE_RANGE: 25,
  SQLITE_NOTADB: 26,
}

export class ShimDatabase implements ExpoDatabase {
  readonly opened: Promise<void>
  private readonly connection: Connection

  constructor(
    readonly databasePath: string,
    private readonly options: ShimOptions,
    readonly stats: ShimStats,
  ) {
    this.connection = new Connection(databasePath, stats)
    stats.connectionsOpened++
    this.opened = this.connection.call(() => undefined)
  }

  execAsync(source: string): Promise<void> {
    const connection = this.connection
    return connection.call(async () => {
      for (const statement of splitStatements(source)) {
        const pragma = /^PRAGMA\s+busy_timeout\s*=\s*(\d+)$/i.exec(statement)
        if (pragma) connection.busyTimeoutMs = Number(pragma[1])
        else await connection.engine(() => connection.handle.exec(statement))
      }
    })
  }

  prepareAsync(source: string): Promise<ShimStatement> {
    return this.connection.call(
      () => new ShimStatement(this.connection, this.connection.handle.prepare(source)),
    )
  }

  async withExclusiveTransactionAsync(task: (txn: ExpoConnection) => Promise<void>): Promise<void> {
    if (this.options.platform === 'web')
      throw new Error('withExclusiveTransactionAsync is not supported on web')
    // expo-sqlite's sequence (SQLiteDatabase.ts): a new connection, BEGIN, task, COMMIT or ROLLBACK, close.
    const transaction = new ShimDatabase(this.databasePath, this.options, this.stats)
    await transaction.opened
    this.stats.exclusiveTransactions++
    let error: unknown
    try {
      await transaction.execAsync('BEGIN')
      await task(transaction)
      await transaction.execAsync('COMMIT')
    } catch (e) {
      await transaction.execAsync('ROLLBACK')
      error = e
    } finally {
      await transaction.closeAsync()
    }
    if (error) throw error
  }

  closeAsync(): Promise<void> {
    return this.connection.call(() => {
      this.connection.handle.close()
      this.connection.closed = true
    })
  }
}

class ShimStatement implements ExpoStatement {
  private finalized = false

  constructor(
    private readonly connection: Connection,
    private readonly statement: Database.Statement<unknown[], unknown>,
  ) {
    statement.safeIntegers(true)
  }

  executeAsync<T>(
    ...args: [SQLiteBindParams] | SQLiteVariadicBindParams
  ): Promise<SQLiteExecuteAsyncResult<T>> {
    const first = args[0]
    if (
      args.length === 1 &&
      first !== null &&
      typeof first === 'object' &&
      !Array.isArray(first) &&
      !ArrayBuffer.isView(first) &&
      !(first instanceof ArrayBuffer)
    )
      throw new Error('The shim binds positional parameters only')
    const params = (args.length === 1 && Array.isArray(first) ? first : args) as SQLiteBindValue[]
    return this.connection.call(async () => {
      if (this.finalized) throw new Error('Access to closed resource')
      const bound = params.map(bindValue)
      let rows: T[] = []
      let changes = 0
      let lastInsertRowId = 0
      if (this.statement.reader) {
        const raw = await this.connection.engine(
          () => this.statement.all(...bound) as Record<string, unknown>[],
        )
        rows = raw.map((row) => readRow(row) as T)
      } else {
        const info = await this.connection.engine(() => this.statement.run(...bound))
        changes = info.changes
        lastInsertRowId = Number(info.lastInsertRowid)
      }
      return executeResult(rows, { changes, lastInsertRowId })
    })
  }

  finalizeAsync(): Promise<void> {
    return this.connection.call(() => {
      this.finalized = true
    })
  }
}

function executeResult<T>(rows: T[], run: SQLiteRunResult): SQLiteExecuteAsyncResult<T> {
  let next = 0
  const result: SQLiteExecuteAsyncResult<T> = {
    ...run,
    getFirstAsync: async () => rows[0] ?? null,
    getAllAsync: async () => rows.slice(next),
    resetAsync: async () => {
      next = 0
    },
    next: async () =>
      next < rows.length ? { done: false, value: rows[next++]! } : { done: true, value: undefined },
    [Symbol.asyncIterator]: () => result,
  }
  return result
}

function bindValue(value: SQLiteBindValue | undefined): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  throw new Error(`Unsupported parameter type: ${typeof value}`)
}

function readRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(row)) {
    if (typeof value === 'bigint') out[column] = Number(value)
    else if (typeof value === 'string')
      out[column] = value.includes('\u0000') ? value.slice(0, value.indexOf('\u0000')) : value
    else if (Buffer.isBuffer(value)) out[column] = new Uint8Array(value)
    else out[column] = value
  }
  return out
}

/** Splits a script into statements at semicolons outside quotes (the shim's scripts are PRAGMAs and BEGIN/COMMIT). */
function splitStatements(source: string): string[] {
  const out: string[] = []
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (quote) {
      if (c === quote) quote = undefined
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c
    } else if (c === ';') {
      out.push(source.slice(start, i))
      start = i + 1
    }
  }
  out.push(source.slice(start))
  return out.map((s) => s.trim()).filter((s) => s.length > 0)
}

/** Compile-time: a real expo-sqlite database is what the driver takes, so the shim stands in for the same API. */
export const realDatabaseFits = (database: SQLiteDatabase): ExpoDatabase => database

/** expo's `openDatabaseAsync(databaseName, options, directory)` over the shim. */
export const openShimByName = (databaseName: string, _options?: undefined, directory?: string) =>
  openShimDatabaseAsync(directory ? join(directory, databaseName) : databaseName)
