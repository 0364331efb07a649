import { DriverResultError, isPersistenceVerdict, SQLiteEngineError, type PersistenceError } from './errors'
import {
  DamagedDatabaseError,
  DatabaseBusyError,
  NotSQLiteFileError,
  ReadOnlyDatabaseError,
} from './open-errors'

/**
 * What kind of SQLite failure an error is, from its result code. Drivers report
 * codes differently: better-sqlite3 as `code: 'SQLITE_READONLY_DIRECTORY'`,
 * WASM builds as a number (extended codes carry the primary one in the low
 * byte), envelopes across a worker boundary as `'SQLITE_8'`.
 */
export type SQLiteFailureKind =
  'busy' | 'read-only' | 'read-only-directory' | 'corrupt' | 'not-a-database' | 'full'

const PRIMARY: Record<number, SQLiteFailureKind> = {
  5: 'busy', // SQLITE_BUSY
  6: 'busy', // SQLITE_LOCKED
  8: 'read-only', // SQLITE_READONLY
  11: 'corrupt', // SQLITE_CORRUPT
  13: 'full', // SQLITE_FULL
  26: 'not-a-database', // SQLITE_NOTADB
}
const NAMED: Record<string, SQLiteFailureKind> = {
  BUSY: 'busy',
  LOCKED: 'busy',
  READONLY: 'read-only',
  CORRUPT: 'corrupt',
  FULL: 'full',
  NOTADB: 'not-a-database',
}
/** SQLITE_READONLY_DIRECTORY (8 | 6<<8): the directory, not the file, refuses the journal. */
const READONLY_DIRECTORY = 1544

export function sqliteFailureKind(error: unknown): SQLiteFailureKind | undefined {
  // Core's guard wraps what an engine throws; the engine's own error is the cause.
  if (error instanceof SQLiteEngineError) return sqliteFailureKind(error.cause)
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'number') {
    if (code === READONLY_DIRECTORY) return 'read-only-directory'
    return PRIMARY[code & 0xff]
  }
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined
  const rest = code.slice('SQLITE_'.length)
  if (/^\d+$/.test(rest)) return sqliteFailureKind({ code: Number(rest) })
  if (rest === 'READONLY_DIRECTORY') return 'read-only-directory'
  return NAMED[rest.split('_')[0]!]
}

/**
 * The typed error for a failure while reading a file PersistDB is opening, or
 * undefined when it is none of the file-level kinds (the caller keeps its own).
 */
export function openFailure(
  error: unknown,
  file: string | undefined,
  busyTimeoutMs?: number,
): PersistenceError | undefined {
  if (isPersistenceVerdict(error)) return error
  switch (sqliteFailureKind(error)) {
    case 'not-a-database':
      return new NotSQLiteFileError(file, error)
    case 'corrupt':
      return new DamagedDatabaseError(file, [String((error as Error).message)], error)
    case 'busy':
      return new DatabaseBusyError(file, busyTimeoutMs, error)
    case 'read-only':
      return new ReadOnlyDatabaseError(file, 'read-only', error)
    case 'read-only-directory':
      // Reading a WAL file needs its -shm: in a read-only directory even reads fail.
      return new ReadOnlyDatabaseError(file, 'wal-in-read-only-directory', error)
    default:
      return undefined
  }
}

/** Writes refused because the file cannot be written become ReadOnlyDatabaseError; others stay as they are. */
export function writeFailure(error: unknown, file: string | undefined): unknown {
  if (isPersistenceVerdict(error) || error instanceof DriverResultError) return error
  const kind = sqliteFailureKind(error)
  if (kind === 'read-only' || kind === 'read-only-directory')
    return new ReadOnlyDatabaseError(file, 'read-only', error)
  return error
}
