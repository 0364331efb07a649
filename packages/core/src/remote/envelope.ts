/**
 * Errors across a message boundary. Structured clone (postMessage, Electron
 * IPC) keeps an error's message at best, never its class or `code`, so the
 * sending side turns an error into a plain-data envelope and the receiving
 * side revives it as the same PersistDB error class, found by its stable code.
 *
 * The remote/ modules import core's classes as `@persistdb/core` (a self-reference, kept external by the
 * build): the `/remote` entry then shares them with the main entry in CommonJS too, where bundled copies
 * would make `instanceof` fail between the two.
 */
import {
  DatabaseInUseError,
  DriverResultError,
  ForeignDatabaseError,
  InvalidCollectionIdError,
  InvalidExportError,
  InvalidKeyError,
  InvalidOptionsError,
  InvalidRemoteMessageError,
  LeaderFencedError,
  MigrationFailedError,
  PersistenceClosedError,
  PersistenceError,
  PersistenceReadError,
  PersistenceWriteError,
  RemotePersistenceError,
  RemoteProtocolMismatchError,
  RemoteRequestRefusedError,
  RemoteUnavailableError,
  SchemaVersionMismatchError,
  SQLiteEngineError,
  StatementLimitError,
  StorageFormatError,
  TransactionMisuseError,
  UnsupportedTanStackDbError,
  UnsupportedValueError,
  type PersistenceErrorCode,
  ConnectionClosedError,
  DamagedDatabaseError,
  DatabaseBusyError,
  DatabaseFileReplacedError,
  MissingDirectoryError,
  NotSQLiteFileError,
  ReadOnlyDatabaseError,
} from '@persistdb/core'
import { sqliteCodeName } from './sqlite-codes'

/**
 * What the receiving side should make of a failure, beyond its error:
 * `SQL` the statement or operation failed; `PROTOCOL` the message itself was
 * refused; `TX_UNKNOWN` the server has no such open transaction (never begun
 * there, or rolled back); `FENCED` a newer leader took over before the commit.
 * The last two mean "nothing was applied, try again".
 */
export type RemoteErrorKind = 'SQL' | 'PROTOCOL' | 'TX_UNKNOWN' | 'FENCED'

/** A plain-data field of a PersistDB error (`collectionId`, `engineCode`, `problems`, ...). */
export type EnvelopeDetail = string | number | boolean | null | readonly (string | number | boolean | null)[]

export interface ErrorEnvelope {
  name: string
  message: string
  /** PersistDB's stable code, or the engine's (`SQLITE_BUSY`; numeric codes are named). */
  code?: string
  kind?: RemoteErrorKind
  /** The error's own plain-data fields, restored on the revived error. */
  details?: Record<string, EnvelopeDetail>
  /** The error's cause (an engine error under a write error), a few levels deep. */
  cause?: ErrorEnvelope
}

/** The constructor of a PersistDB error; revival never calls it (fields come from the envelope). */
export type PersistenceErrorClass = abstract new (...args: never[]) => PersistenceError

/** Error classes by code: core's own here; a runtime adds its own (the browser's) when it revives. */
export type ErrorClassTable = Readonly<Partial<Record<PersistenceErrorCode, PersistenceErrorClass>>>

/**
 * Every PersistDB error class of core, by code. A test checks that every
 * error class core exports is here and revives to itself.
 */
export const CORE_ERROR_CLASSES: ErrorClassTable = {
  PERSISTDB_UNSUPPORTED_VALUE: UnsupportedValueError,
  PERSISTDB_INVALID_KEY: InvalidKeyError,
  PERSISTDB_INVALID_COLLECTION_ID: InvalidCollectionIdError,
  PERSISTDB_INVALID_OPTIONS: InvalidOptionsError,
  PERSISTDB_SCHEMA_VERSION_MISMATCH: SchemaVersionMismatchError,
  PERSISTDB_MIGRATION_FAILED: MigrationFailedError,
  PERSISTDB_STORAGE_FORMAT: StorageFormatError,
  PERSISTDB_FOREIGN_DATABASE: ForeignDatabaseError,
  PERSISTDB_WRITE_FAILED: PersistenceWriteError,
  PERSISTDB_READ_FAILED: PersistenceReadError,
  PERSISTDB_CLOSED: PersistenceClosedError,
  PERSISTDB_DRIVER_RESULT: DriverResultError,
  PERSISTDB_UNSUPPORTED_TANSTACK_DB: UnsupportedTanStackDbError,
  PERSISTDB_SQLITE_ERROR: SQLiteEngineError,
  PERSISTDB_TRANSACTION_MISUSE: TransactionMisuseError,
  PERSISTDB_STATEMENT_LIMIT: StatementLimitError,
  PERSISTDB_NOT_SQLITE: NotSQLiteFileError,
  PERSISTDB_DAMAGED_DATABASE: DamagedDatabaseError,
  PERSISTDB_READ_ONLY: ReadOnlyDatabaseError,
  PERSISTDB_MISSING_DIRECTORY: MissingDirectoryError,
  PERSISTDB_CONNECTION_CLOSED: ConnectionClosedError,
  PERSISTDB_BUSY: DatabaseBusyError,
  PERSISTDB_FILE_REPLACED: DatabaseFileReplacedError,
  PERSISTDB_DATABASE_IN_USE: DatabaseInUseError,
  PERSISTDB_INVALID_EXPORT: InvalidExportError,
  PERSISTDB_REMOTE_ERROR: RemotePersistenceError,
  PERSISTDB_PROTOCOL_MISMATCH: RemoteProtocolMismatchError,
  PERSISTDB_FENCED: LeaderFencedError,
  PERSISTDB_INVALID_REMOTE_MESSAGE: InvalidRemoteMessageError,
  PERSISTDB_REMOTE_REFUSED: RemoteRequestRefusedError,
  PERSISTDB_REMOTE_UNAVAILABLE: RemoteUnavailableError,
}

/** Causes are kept this deep; details this many items per array. */
const MAX_CAUSE_DEPTH = 4
const MAX_DETAIL_ITEMS = 64
/** Fields every error has, or that revival sets itself: never taken from details. */
const RESERVED = new Set(['name', 'message', 'code', 'stack', 'cause', 'kind'])
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

/** The envelope of `error`: name, message, a named code, PersistDB fields and causes (plain data only). */
export function toEnvelope(error: unknown, kind?: RemoteErrorKind, depth = 0): ErrorEnvelope {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  const code =
    typeof e.code === 'string' ? e.code : typeof e.code === 'number' ? sqliteCodeName(e.code) : undefined
  const details = error instanceof PersistenceError ? detailsOf(e) : undefined
  const cause =
    e.cause !== undefined && depth < MAX_CAUSE_DEPTH ? toEnvelope(e.cause, undefined, depth + 1) : undefined
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(code !== undefined ? { code } : {}),
    ...(kind ? { kind } : {}),
    ...(details ? { details } : {}),
    ...(cause ? { cause } : {}),
  }
}

function detailsOf(error: Record<string, unknown>): Record<string, EnvelopeDetail> | undefined {
  const details: Record<string, EnvelopeDetail> = {}
  let any = false
  for (const [key, value] of Object.entries(error)) {
    if (RESERVED.has(key) || !DETAIL_KEY.test(key)) continue
    const plain = plainDetail(value)
    if (plain === undefined) continue
    details[key] = plain
    any = true
  }
  return any ? details : undefined
}

function plainDetail(value: unknown): EnvelopeDetail | undefined {
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_DETAIL_ITEMS).map(plainDetail)
    return items.every((i) => i !== undefined && !Array.isArray(i))
      ? (items as (string | number | boolean | null)[])
      : undefined
  }
  const t = typeof value
  return value === null || t === 'string' || t === 'number' || t === 'boolean'
    ? (value as EnvelopeDetail)
    : undefined
}

/**
 * The error an envelope stands for: the PersistDB class of its code (from
 * `classes`, then core's), with its message, fields and cause; an engine
 * error (`SQLITE_*`) as SQLiteEngineError keeping the engine's code; anything
 * else (an unknown code, no code, a malformed envelope) as
 * RemotePersistenceError. Never a bare Error.
 */
export function reviveError(envelope: unknown, classes: ErrorClassTable = {}, depth = 0): Error {
  if (!isEnvelope(envelope))
    return new RemotePersistenceError('Error', undefined, 'the remote side sent a malformed error')
  const { name, message, code } = envelope
  const cause =
    envelope.cause !== undefined && depth < MAX_CAUSE_DEPTH
      ? reviveCause(envelope.cause, classes, depth + 1)
      : undefined
  const found = code === undefined ? undefined : classFor(code, classes)
  if (found) {
    const error = Reflect.construct(
      Error,
      cause ? [message, { cause }] : [message],
      found,
    ) as PersistenceError
    Object.assign(error, restoredDetails(envelope.details), { name, code })
    return error
  }
  if (code !== undefined && /^SQLITE_[A-Z0-9_]+$/.test(code)) {
    // The message stays the engine's own words: SQLiteEngineError adds the "SQLite error (CODE)" prefix.
    const engine = Reflect.construct(Error, [message]) as Error & { code: string }
    Object.assign(engine, { name, code })
    return new SQLiteEngineError(message, code, engine)
  }
  const unknown = new RemotePersistenceError(name, code, message)
  if (cause) Object.defineProperty(unknown, 'cause', { value: cause, writable: true, configurable: true })
  return unknown
}

/**
 * A cause of a PersistDB class revives as one; any other cause (an engine's error, a plain Error) as an
 * Error with its own name, message and code, as it was thrown: a cause is evidence, not a verdict.
 */
function reviveCause(envelope: ErrorEnvelope, classes: ErrorClassTable, depth: number): Error {
  const { code } = envelope
  if (!isEnvelope(envelope) || (code !== undefined && classFor(code, classes)))
    return reviveError(envelope, classes, depth)
  const plain = Reflect.construct(Error, [envelope.message]) as Error & { code?: string }
  Object.assign(plain, { name: envelope.name }, code === undefined ? {} : { code })
  return plain
}

function classFor(code: string, classes: ErrorClassTable): PersistenceErrorClass | undefined {
  const table = (t: ErrorClassTable) => (t as Record<string, PersistenceErrorClass | undefined>)[code]
  return Object.hasOwn(classes, code)
    ? table(classes)
    : Object.hasOwn(CORE_ERROR_CLASSES, code)
      ? table(CORE_ERROR_CLASSES)
      : undefined
}

function restoredDetails(details: unknown): Record<string, EnvelopeDetail> {
  const restored: Record<string, EnvelopeDetail> = {}
  if (typeof details !== 'object' || details === null) return restored
  for (const [key, value] of Object.entries(details)) {
    if (RESERVED.has(key) || !DETAIL_KEY.test(key)) continue
    const plain = plainDetail(value)
    if (plain !== undefined) restored[key] = plain
  }
  return restored
}

export function isEnvelope(value: unknown): value is ErrorEnvelope {
  const e = value as Partial<ErrorEnvelope> | null
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.name === 'string' &&
    typeof e.message === 'string' &&
    (e.code === undefined || typeof e.code === 'string')
  )
}
