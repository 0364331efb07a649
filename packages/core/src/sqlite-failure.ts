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
  'busy' | 'read-only' | 'read-only-directory' | 'corrupt' | 'not-a-database' | 'full' | 'cannot-open'

const PRIMARY: Record<number, SQLiteFailureKind> = {
  5: 'busy', // SQLITE_BUSY
  6: 'busy', // SQLITE_LOCKED
  8: 'read-only', // SQLITE_READONLY
  11: 'corrupt', // SQLITE_CORRUPT
  13: 'full', // SQLITE_FULL
  14: 'cannot-open', // SQLITE_CANTOPEN
  26: 'not-a-database', // SQLITE_NOTADB
}
const NAMED: Record<string, SQLiteFailureKind> = {
  BUSY: 'busy',
  LOCKED: 'busy',
  READONLY: 'read-only',
  CORRUPT: 'corrupt',
  FULL: 'full',
  NOTADB: 'not-a-database',
  CANTOPEN: 'cannot-open',
}
/** SQLITE_READONLY_DIRECTORY (8 | 6<<8): the directory, not the file, refuses the journal. */
const READONLY_DIRECTORY = 1544

export function sqliteFailureKind(error: unknown): SQLiteFailureKind | undefined {
  // Core's guard wraps what an engine throws; the engine's own error is the cause.
  if (error instanceof SQLiteEngineError) return sqliteFailureKind(error.cause)
  const code = sqliteResultCode(error)
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

/** SQLite's primary result codes by name, for engines that report only a number or only a message. */
const NAMES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
}

/**
 * SQLite's own texts for these codes (sqlite3ErrStr, and the constraint
 * messages): op-sqlite's errors carry only the message ("SQL Error: file is
 * not a database", "[op-sqlite] ... database is locked").
 */
const MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bfile is not a database\b/i, 'SQLITE_NOTADB'],
  [/\bdatabase disk image is malformed\b/i, 'SQLITE_CORRUPT'],
  [/\battempt to write a readonly database\b/i, 'SQLITE_READONLY'],
  [/\bdatabase table is locked\b/i, 'SQLITE_LOCKED'],
  [/\bdatabase is locked\b/i, 'SQLITE_BUSY'],
  [/\bdatabase or disk is full\b/i, 'SQLITE_FULL'],
  [/\bunable to open database file\b/i, 'SQLITE_CANTOPEN'],
  [/\bconstraint failed\b/i, 'SQLITE_CONSTRAINT'],
]

/**
 * The SQLite result code an engine's error carries, however it carries it:
 * as `code` (better-sqlite3's 'SQLITE_CONSTRAINT_PRIMARYKEY', wa-sqlite's
 * number), in its text as expo-sqlite puts it ("Error code 19: UNIQUE
 * constraint failed"), or only as SQLite's message (op-sqlite). A numeric code
 * comes back as its number (extended codes stay exact); undefined when the
 * error says nothing SQLite-specific.
 */
export function sqliteResultCode(error: unknown): string | number | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'number' && Number.isInteger(code)) return code
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return code
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : undefined
  if (message === undefined) return undefined
  const numbered = /\bError code (\d+)\b/.exec(message)
  if (numbered) return Number(numbered[1])
  return MESSAGES.find(([pattern]) => pattern.test(message))?.[1]
}

/** The result code as core reports it on SQLiteEngineError: 'SQLITE_CONSTRAINT', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_1544'. */
export function sqliteCodeName(error: unknown): string | undefined {
  const code = sqliteResultCode(error)
  if (typeof code !== 'number') return code
  return NAMES[code] ?? `SQLITE_${code}`
}

/**
 * The typed error for a failure while reading a file PersistDB is opening, or
 * undefined when it is none of the file-level kinds (the caller keeps its own).
 */
export function openFailure(
  error: unknown,
  file: string | undefined,
  busyTimeoutMs?: number,
  /**
   * 'read': the failure came from the first read of the file. Reading a
   * healthy file is refused as read-only only when SQLite cannot create the
   * -shm a WAL file needs: engines that report only the primary code (expo,
   * op-sqlite) then mean SQLITE_READONLY_DIRECTORY.
   */
  phase?: 'read',
): PersistenceError | undefined {
  if (isPersistenceVerdict(error)) return error
  const kind = sqliteFailureKind(error)
  if (phase === 'read' && kind === 'read-only')
    return new ReadOnlyDatabaseError(file, 'wal-in-read-only-directory', error)
  switch (kind) {
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
    case 'cannot-open':
      return new ReadOnlyDatabaseError(file, 'cannot-open', error)
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
