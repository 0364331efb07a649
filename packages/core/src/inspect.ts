/**
 * `@persistdb/core/inspect`: the storage-format internals tools need to read, check and rebuild a
 * PersistDB file (the inspector CLI). Apps never need this entry; it loads no `@tanstack/db` code.
 * These names follow the storage format, which is versioned (STORAGE_FORMAT), not the app API.
 */
export type { SQLiteExecutor, SQLiteRow, SQLiteValue } from './driver'
export { drive, query, run, type StorageOp } from './runner'
export { readFormat, migrate, rowsTable, STORAGE_FORMAT } from './schema'
export {
  findCollection,
  openCollection,
  writeBatch,
  requireResync,
  plainTypesKey,
  mayReadAsUnknown,
  type CollectionKind,
  type RowWrite,
} from './store'
export { headSeq, pruneChanges } from './change-log'
export { decodeKey, decodeValue, encodeKey, encodeValue, TAG, type StoredKey } from './codec'
export { ensureIndex } from './query/indexes'
export { describeField, fieldIndex, readStoredIndex } from './query/stored-index'
export type { IndexedField, StoredIndex } from './query/stored-index'
export * from './errors'
export { listCollections, listPersistdbObjects, parseObjectName, summarizeChangeLog } from './catalog'
export type { ChangeLogSummary, CollectionEntry, SchemaObject, WriterSummary } from './catalog'
