/**
 * Typed errors with stable `code`s. Codes never change once published, so
 * callers can branch on `error.code` across versions and across IPC
 * boundaries where the class is lost.
 */
export type PersistenceErrorCode =
  | 'PERSISTDB_UNSUPPORTED_VALUE'
  | 'PERSISTDB_INVALID_KEY'
  | 'PERSISTDB_INVALID_COLLECTION_ID'
  | 'PERSISTDB_INVALID_OPTIONS'
  | 'PERSISTDB_SCHEMA_VERSION_MISMATCH'
  | 'PERSISTDB_MIGRATION_FAILED'
  | 'PERSISTDB_STORAGE_FORMAT'
  | 'PERSISTDB_FOREIGN_DATABASE'
  | 'PERSISTDB_WRITE_FAILED'
  | 'PERSISTDB_READ_FAILED'
  | 'PERSISTDB_CLOSED'
  | 'PERSISTDB_DRIVER_RESULT'
  | 'PERSISTDB_UNSUPPORTED_TANSTACK_DB'
  // Driver contract (driver.ts)
  | 'PERSISTDB_SQLITE_ERROR'
  | 'PERSISTDB_TRANSACTION_MISUSE'
  | 'PERSISTDB_STATEMENT_LIMIT'
  // Opening a file and losing it (open-errors.ts)
  | 'PERSISTDB_NOT_SQLITE'
  | 'PERSISTDB_DAMAGED_DATABASE'
  | 'PERSISTDB_READ_ONLY'
  | 'PERSISTDB_MISSING_DIRECTORY'
  | 'PERSISTDB_CONNECTION_CLOSED'
  | 'PERSISTDB_BUSY'
  | 'PERSISTDB_FILE_REPLACED'
  // Browser runtime (@persistdb/browser)
  | 'PERSISTDB_LEADER_UNAVAILABLE'
  | 'PERSISTDB_PERSISTENCE_UNAVAILABLE'
  | 'PERSISTDB_OPEN_FAILED'
  // Inspector CLI (@persistdb/cli)
  | 'PERSISTDB_DATABASE_IN_USE'
  | 'PERSISTDB_INVALID_EXPORT'
  | 'PERSISTDB_QUOTA_EXCEEDED'
  | 'PERSISTDB_TAB_PROTOCOL_MISMATCH'
  // Remote persistence (@persistdb/core/remote)
  | 'PERSISTDB_REMOTE_REFUSED'
  | 'PERSISTDB_REMOTE_UNAVAILABLE'

export class PersistenceError extends Error {
  readonly code: PersistenceErrorCode

  constructor(code: PersistenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** A value SQLite storage cannot hold (function, symbol, cycle, class instance, ...). */
export class UnsupportedValueError extends PersistenceError {
  /** Where in the row the value sits, e.g. `$.tags[2].owner`. */
  readonly path: string

  constructor(path: string, what: string) {
    super(
      'PERSISTDB_UNSUPPORTED_VALUE',
      `Cannot persist ${what} at ${path}. PersistDB stores plain objects, arrays, strings, numbers ` +
        `(NaN, ±Infinity and -0 included), booleans, null, undefined, bigint, Date, Uint8Array, Map and Set. ` +
        `Convert the value to one of these before writing; nothing was written.`,
    )
    this.path = path
  }
}

/** A collection key that is neither a string nor a usable number. */
export class InvalidKeyError extends PersistenceError {
  constructor(key: unknown) {
    super(
      'PERSISTDB_INVALID_KEY',
      `Invalid collection key ${describe(key)}: keys must be strings or finite numbers. Nothing was written.`,
    )
  }
}

export class InvalidCollectionIdError extends PersistenceError {
  constructor(message: string) {
    super('PERSISTDB_INVALID_COLLECTION_ID', message)
  }
}

export class InvalidOptionsError extends PersistenceError {
  constructor(message: string) {
    super('PERSISTDB_INVALID_OPTIONS', message)
  }
}

/** A local-only collection opened with a schemaVersion other than the stored one, and no `migrate`. */
export class SchemaVersionMismatchError extends PersistenceError {
  readonly collectionId: string
  readonly storedVersion: number
  readonly requestedVersion: number

  constructor(collectionId: string, storedVersion: number, requestedVersion: number) {
    super(
      'PERSISTDB_SCHEMA_VERSION_MISMATCH',
      `Collection "${collectionId}" is stored with schemaVersion ${storedVersion} but was opened with ` +
        `schemaVersion ${requestedVersion}. The stored rows were left intact. Pass a \`migrate\` function to ` +
        `persistedCollectionOptions to transform them, open it with schemaVersion ${storedVersion}, or ` +
        `call persistence.dropCollection("${collectionId}") to discard them.`,
    )
    this.collectionId = collectionId
    this.storedVersion = storedVersion
    this.requestedVersion = requestedVersion
  }
}

export class MigrationFailedError extends PersistenceError {
  constructor(collectionId: string, from: number, to: number, cause: unknown) {
    super(
      'PERSISTDB_MIGRATION_FAILED',
      `Migrating collection "${collectionId}" from schemaVersion ${from} to ${to} failed: ${errorText(cause)}. ` +
        `The migration was rolled back and the stored rows are unchanged.`,
      { cause },
    )
  }
}

/** The file holds a PersistDB schema newer than this build understands, or a damaged one. */
export class StorageFormatError extends PersistenceError {
  constructor(message: string, cause?: unknown) {
    super('PERSISTDB_STORAGE_FORMAT', message, { cause })
  }
}

/** The file is not a PersistDB database (or not a SQLite database at all). */
export class ForeignDatabaseError extends PersistenceError {
  constructor(message: string, cause?: unknown) {
    super('PERSISTDB_FOREIGN_DATABASE', message, { cause })
  }
}

/** SQLite refused a write; the transaction was rolled back and nothing was applied. */
export class PersistenceWriteError extends PersistenceError {
  readonly collectionId: string

  constructor(collectionId: string, cause: unknown) {
    super(
      'PERSISTDB_WRITE_FAILED',
      `Persisting a transaction of collection "${collectionId}" failed: ${errorText(cause)}. ` +
        `The SQLite transaction was rolled back; what was on disk is intact.`,
      { cause },
    )
    this.collectionId = collectionId
  }
}

export class PersistenceReadError extends PersistenceError {
  constructor(collectionId: string, cause: unknown) {
    super(
      'PERSISTDB_READ_FAILED',
      `Reading collection "${collectionId}" from SQLite failed: ${errorText(cause)}.`,
      { cause },
    )
  }
}

export class PersistenceClosedError extends PersistenceError {
  constructor() {
    super('PERSISTDB_CLOSED', 'This persistence was closed; create a new one to keep using the database.')
  }
}

/** A driver returned a result shape PersistDB does not recognise (never read as "no rows"). */
export class DriverResultError extends PersistenceError {
  constructor(message: string) {
    super('PERSISTDB_DRIVER_RESULT', message)
  }
}

/**
 * The SQLite engine refused a statement. `message` carries the engine's own
 * words; `engineCode` its code where it has one (`SQLITE_CONSTRAINT_UNIQUE`,
 * `SQLITE_BUSY`, ...); `cause` the engine's original error.
 */
export class SQLiteEngineError extends PersistenceError {
  readonly engineCode: string | undefined

  constructor(engineMessage: string, engineCode: string | undefined, cause: unknown) {
    super('PERSISTDB_SQLITE_ERROR', `SQLite error${engineCode ? ` (${engineCode})` : ''}: ${engineMessage}`, {
      cause,
    })
    this.engineCode = engineCode
  }
}

/** A driver was used against its contract: a transaction inside a transaction, or an executor used after its transaction ended. */
export class TransactionMisuseError extends PersistenceError {
  constructor(message: string) {
    super('PERSISTDB_TRANSACTION_MISUSE', message)
  }
}

/** A statement exceeds a limit its driver declared; it was not sent to the engine. */
export class StatementLimitError extends PersistenceError {
  constructor(message: string) {
    super('PERSISTDB_STATEMENT_LIMIT', message)
  }
}

export class UnsupportedTanStackDbError extends PersistenceError {
  constructor(what: string) {
    super(
      'PERSISTDB_UNSUPPORTED_TANSTACK_DB',
      `This @tanstack/db build lacks ${what}, which PersistDB needs to mirror core exactly. ` +
        `PersistDB supports @tanstack/db >=0.15.1 <0.16; install a supported version.`,
    )
  }
}

/**
 * PersistDB's own verdict on a failure, to pass on as it is. An engine's
 * error (SQLiteEngineError) is a cause: callers wrap it in the error that says
 * what failed (a write, a read, an open).
 */
export function isPersistenceVerdict(error: unknown): error is PersistenceError {
  return error instanceof PersistenceError && !(error instanceof SQLiteEngineError)
}

/** A maintenance write (compact, import) found another connection using the file and did nothing. */
export class DatabaseInUseError extends PersistenceError {
  constructor(message: string, cause?: unknown) {
    super('PERSISTDB_DATABASE_IN_USE', message, { cause })
  }
}

/** An export file (JSON lines) that cannot be imported as it is; nothing was written. */
export class InvalidExportError extends PersistenceError {
  /** 1-based line of the export where the problem is (0: the file as a whole). */
  readonly line: number

  constructor(line: number, problem: string) {
    super(
      'PERSISTDB_INVALID_EXPORT',
      `${line > 0 ? `Line ${line} of the export` : 'The export'} ${problem}. Nothing was imported; ` +
        `export the database again with \`persistdb export\`.`,
    )
    this.line = line
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  if (value === null) return 'null'
  return typeof value
}
