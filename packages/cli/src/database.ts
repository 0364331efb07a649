import Database from 'better-sqlite3'
import {
  DatabaseInUseError,
  drive,
  ForeignDatabaseError,
  readFormat,
  STORAGE_FORMAT,
  StorageFormatError,
  type SQLiteExecutor,
  type SQLiteRow,
  type SQLiteValue,
  type StorageOp,
} from '@persistdb/core/inspect'

/** An open PersistDB file and a way to run core's storage operations on it. */
export interface OpenFile {
  readonly db: Database.Database
  readonly path: string
  /** The storage format the file holds (0: no PersistDB tables yet). */
  readonly format: number
  run<T>(op: StorageOp<T>): T
  close(): void
}

/**
 * Opens a file for the read-only verbs: SQLite's read-only mode, so the write lock is never taken and an app
 * can keep writing (in WAL mode a reader never blocks a writer, nor waits for one).
 */
export function openReadOnly(path: string): OpenFile {
  return wrap(path, open(path, { readonly: true, fileMustExist: true }))
}

/**
 * Opens a file for a maintenance write and makes sure nobody else has it open: an exclusive lock (which
 * any other connection, reading or writing, prevents) is taken at once, without waiting, and kept until
 * close. With `force`, other connections are tolerated and waited for (busy_timeout) like any writer.
 */
export function openExclusive(path: string, force: boolean): OpenFile {
  const db = open(path, { fileMustExist: true })
  const file = wrap(path, db)
  try {
    if (!force) {
      db.pragma('busy_timeout = 0')
      db.pragma('locking_mode = EXCLUSIVE')
      try {
        db.exec('BEGIN EXCLUSIVE')
        db.exec('COMMIT')
      } catch (error) {
        if (isBusy(error)) {
          throw new DatabaseInUseError(
            `Another connection has ${path} open (an app or another persistdb command). Close it and try ` +
              `again, or pass --force to wait for its locks instead. Nothing was changed.`,
            error,
          )
        }
        throw error
      }
    } else {
      db.pragma('busy_timeout = 5000')
    }
    return file
  } catch (error) {
    db.close()
    throw error
  }
}

/** Creates a new, empty database file for `import`. */
export function createFile(path: string): OpenFile {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  return wrap(path, db)
}

function open(path: string, options: Database.Options): Database.Database {
  try {
    return new Database(path, options)
  } catch (error) {
    throw new ForeignDatabaseError(`Cannot open ${path}: ${(error as Error).message}.`, error)
  }
}

function wrap(path: string, db: Database.Database): OpenFile {
  const executor = executorOf(db)
  const run = <T>(op: StorageOp<T>): T => drive(executor, op) as T
  let format: number
  try {
    format = run(readFormat())
  } catch (error) {
    db.close()
    throw error
  }
  if (format > STORAGE_FORMAT) {
    db.close()
    throw new StorageFormatError(
      `${path} holds storage format ${format}; this persistdb reads up to ${STORAGE_FORMAT}. Upgrade @persistdb/cli.`,
    )
  }
  return { db, path, format, run, close: () => db.close() }
}

/** better-sqlite3 as core's executor, with a small statement cache (import runs the same statements often). */
export function executorOf(db: Database.Database): SQLiteExecutor {
  const cache = new Map<string, Database.Statement>()
  const prepare = (sql: string) => {
    let statement = cache.get(sql)
    if (!statement) {
      if (cache.size >= 64) cache.clear()
      statement = db.prepare(sql)
      cache.set(sql, statement)
    }
    return statement
  }
  return {
    all: (sql: string, params: readonly SQLiteValue[] = []) => prepare(sql).all(...params) as SQLiteRow[],
    run: (sql: string, params: readonly SQLiteValue[] = []) => {
      prepare(sql).run(...params)
    },
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
}

/** Page through a rows table in key order, outside any statement iterator (so writes can interleave). */
export function* pagedRows(
  db: Database.Database,
  table: string,
  pageSize = 2000,
): Generator<{ key: SQLiteValue; value: string | null; meta: string | null }> {
  const first = db.prepare(`SELECT key, value, meta FROM ${table} ORDER BY key LIMIT ?`)
  const next = db.prepare(`SELECT key, value, meta FROM ${table} WHERE key > ? ORDER BY key LIMIT ?`)
  let page = first.all(pageSize) as Array<{ key: SQLiteValue; value: string | null; meta: string | null }>
  while (page.length > 0) {
    yield* page
    if (page.length < pageSize) return
    page = next.all(page[page.length - 1]!.key, pageSize) as typeof page
  }
}
