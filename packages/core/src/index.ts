export { persistedCollectionOptions } from './persisted-collection'
export type {
  PersistedCollectionPersistenceOptions,
  PersistedCollectionUtils,
  PersistedLocalOnlyResult,
} from './persisted-collection'
export { createSQLitePersistence, readStorageFormat, SQLitePersistence } from './persistence'
export type { SQLitePersistenceOptions, ChangeLogOptions } from './persistence'
export type { SQLiteDriver, SQLiteExecutor, SQLiteRow, SQLiteValue, MaybePromise } from './driver'
export type { PersistenceStatusSnapshot } from './status'
export { encodeValue, decodeValue, encodeKey, decodeKey } from './codec'
export { STORAGE_FORMAT } from './schema'
export * from './errors'
export * from './open-errors'
export { inspectDatabase } from './soundness'
export { openFailure, sqliteFailureKind, writeFailure, type SQLiteFailureKind } from './sqlite-failure'
