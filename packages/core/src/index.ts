export { persistedCollectionOptions } from './persisted-collection'
export type {
  PersistedCollectionPersistenceOptions,
  PersistedCollectionUtils,
  PersistedLocalOnlyResult,
} from './persisted-collection'
export { createSQLitePersistence, readStorageFormat, SQLitePersistence } from './persistence'
export type { SQLitePersistenceOptions, ChangeLogOptions, CommitOnce } from './persistence'
export type {
  PersistenceBackend,
  OpenCollectionRequest,
  StoredSnapshot,
  RemoteChangeListener,
  ChangeLogEntry,
} from './backend'
export { DEFAULT_SQLITE_LIMITS } from './driver'
export type {
  SQLiteDriver,
  SQLiteExecutor,
  SQLiteEngineRow,
  SQLiteLimits,
  SQLiteRow,
  SQLiteStatement,
  SQLiteValue,
  MaybePromise,
} from './driver'
export { guardDriver, GuardedDriver, type GuardedExecutor } from './guarded-driver'
export type { PersistenceStatusSnapshot } from './status'
export { encodeValue, decodeValue, encodeKey, decodeKey } from './codec'
export { STORAGE_FORMAT } from './schema'
export * from './errors'
export * from './open-errors'
export { inspectDatabase } from './soundness'
export { openFailure, sqliteFailureKind, writeFailure, type SQLiteFailureKind } from './sqlite-failure'
