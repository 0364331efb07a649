import { errorText, PersistenceError } from './errors'

/**
 * Why a database could not be opened, or stopped being usable, each with its
 * own stable code. Every message says what happened, whether the file was
 * touched (it never is), and what to do. "Damaged" is said only when SQLite
 * itself reports damage: a healthy file that merely cannot be written is
 * read-only, not damaged.
 */
const name = (file: string | undefined) => (file ? `"${file}"` : 'The database')

/** The file exists but is not a SQLite database (its header is not SQLite's). */
export class NotSQLiteFileError extends PersistenceError {
  constructor(file: string | undefined, cause?: unknown) {
    super(
      'PERSISTDB_NOT_SQLITE',
      `${name(file)} is not a SQLite database: its first page is not a SQLite header (another kind of file, ` +
        `or a SQLite file whose first page was overwritten). PersistDB changed nothing. Point PersistDB at a new ` +
        `file, or at the database you meant to open.`,
      { cause },
    )
  }
}

/** SQLite reports damage (quick_check fails, or SQLITE_CORRUPT while reading). */
export class DamagedDatabaseError extends PersistenceError {
  /** What SQLite's check reported, first lines only. */
  readonly problems: readonly string[]

  constructor(file: string | undefined, problems: readonly string[], cause?: unknown) {
    super(
      'PERSISTDB_DAMAGED_DATABASE',
      `${name(file)} is a damaged SQLite database (SQLite reports: ${problems.slice(0, 3).join('; ')}). ` +
        `PersistDB refused it and changed nothing, not even its journal mode. Keep the file for recovery ` +
        `(the sqlite3 shell's ".recover" salvages what is readable) and point PersistDB at a new file.`,
      { cause },
    )
    this.problems = problems
  }
}

/**
 * The file or its directory cannot be written by this process. Reads may still
 * be served (`canRead`); every write fails with this error and changes nothing.
 */
export class ReadOnlyDatabaseError extends PersistenceError {
  /** Whether PersistDB can still read the file. */
  readonly canRead: boolean

  constructor(
    file: string | undefined,
    situation: 'read-only' | 'wal-in-read-only-directory' | 'cannot-create' | 'cannot-open',
    cause?: unknown,
  ) {
    super('PERSISTDB_READ_ONLY', readOnlyMessage(name(file), situation, cause), { cause })
    this.canRead = situation === 'read-only'
  }
}

function readOnlyMessage(file: string, situation: string, cause: unknown): string {
  const why = cause === undefined ? '' : ` (${errorText(cause)})`
  if (situation === 'cannot-create')
    return (
      `${file} does not exist and cannot be created: its directory is read-only for this process${why}. ` +
      `Nothing was created. Use a writable directory or fix its permissions.`
    )
  if (situation === 'cannot-open')
    return (
      `${file} cannot be opened${why}: SQLite could not open the file for reading, nor create it (it does not ` +
      `exist and its directory cannot be written, or this process may not read it). Nothing was created or ` +
      `changed. Check the path and the permissions of the file and its directory.`
    )
  if (situation === 'wal-in-read-only-directory')
    return (
      `${file} cannot be read: it is in WAL mode and its directory is read-only for this process, so SQLite ` +
      `cannot create the -wal/-shm files it needs even to read${why}. The database is healthy and was not ` +
      `changed. Make the directory writable, or copy the file to a writable directory.`
    )
  return (
    `${file} is read-only for this process (the file or its directory cannot be written, or it was opened ` +
    `read-only)${why}. The database is healthy and was not changed; stored rows can be read, but nothing can ` +
    `be written. Give this process write permission on the file and its directory (SQLite creates journal ` +
    `files next to it), or open a writable copy.`
  )
}

/** The path's directory does not exist: SQLite would not create it. */
export class MissingDirectoryError extends PersistenceError {
  constructor(file: string, directory: string) {
    super(
      'PERSISTDB_MISSING_DIRECTORY',
      `Cannot create the database ${name(file)}: its directory "${directory}" does not exist. Create the ` +
        `directory first (e.g. fs.mkdirSync(dir, { recursive: true })) or fix the path; nothing was created.`,
    )
  }
}

/**
 * The connection handed to PersistDB was already closed ('handed-over'), or
 * was closed under it later ('in-use': the app closed it, or deleted the
 * database through it, which closes it first).
 */
export class ConnectionClosedError extends PersistenceError {
  constructor(file: string | undefined, when: 'handed-over' | 'in-use' = 'handed-over') {
    const at = file ? ` (${file})` : ''
    super(
      'PERSISTDB_CONNECTION_CLOSED',
      when === 'in-use'
        ? `The database connection PersistDB was using${at} was closed by the app, or the database was ` +
            `deleted through it (deleting closes it first). This write was not applied and nothing after it ` +
            `is acknowledged. Do not close or delete a database a persistence still uses: close the ` +
            `persistence first, then create a new one on an open connection.`
        : `The database connection passed to PersistDB${at} is closed. Pass an open ` +
            `connection, or pass \`path\` and let PersistDB open and close it. The file was not touched.`,
    )
  }
}

/** Another connection held a lock longer than the busy timeout. */
export class DatabaseBusyError extends PersistenceError {
  constructor(file: string | undefined, waitedMs: number | undefined, cause?: unknown) {
    super(
      'PERSISTDB_BUSY',
      `${name(file)} is locked by another connection` +
        (waitedMs === undefined ? '' : ` (waited ${waitedMs} ms)`) +
        `: another process or connection holds an exclusive lock (a long write transaction, ` +
        `locking_mode=EXCLUSIVE, or a backup). Nothing was changed. Close or finish the other user of the ` +
        `file, or raise busyTimeoutMs, then try again.`,
      { cause },
    )
  }
}

/**
 * The database file was deleted or replaced while a persistence had it open.
 * Writes after that would land in the unlinked file and vanish at exit, so the
 * persistence stops: nothing after this error is acknowledged.
 */
export class DatabaseFileReplacedError extends PersistenceError {
  constructor(file: string, what: 'deleted' | 'replaced') {
    super(
      'PERSISTDB_FILE_REPLACED',
      `The database file "${file}" was ${what} while PersistDB had it open. Writes from now on would go to the ` +
        `old, unlinked file and be lost when the process exits, so this persistence stopped: the write that ` +
        `found this was rolled back and nothing after it is acknowledged. Restore the file, or create a new persistence to use the file now at that path.`,
    )
  }
}
