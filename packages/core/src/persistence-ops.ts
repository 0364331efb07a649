import type { OpenCollectionRequest, StoredSnapshot } from './backend'
import type { StoredKey } from './codec'
import type { StorageOp } from './runner'
import { rowsTable } from './schema'
import {
  findCollection,
  isOpenReadOnly,
  loadCollectionMeta,
  loadKeys,
  loadRows,
  loadRowsWithMeta,
  openCollection,
  type CollectionRecord,
  type StoredRow,
} from './store'
import { headSeq } from './change-log'

/** SQLitePersistence's named operations (backend.ts) as storage ops over one collection number. */

/** Opening an existing collection at its version is read-only: the record, or undefined when a write is needed. */
export function* findForOpen(request: OpenCollectionRequest): StorageOp<CollectionRecord | undefined> {
  const found = yield* findCollection(request.name)
  if (!isOpenReadOnly(found, request.schemaVersion)) return undefined
  return { num: found.num, table: rowsTable(found.num), created: false, reset: false }
}

export function openForWrite(request: OpenCollectionRequest): StorageOp<CollectionRecord> {
  const { name, kind, schemaVersion, writerId, migrate, initialRows } = request
  return openCollection(name, kind, schemaVersion, writerId, migrate, initialRows)
}

export function* readSnapshot(num: number, withRows: boolean): StorageOp<StoredSnapshot> {
  const seq = yield* headSeq()
  const rows = withRows ? yield* loadRows(rowsTable(num)) : []
  const meta = yield* loadCollectionMeta(num)
  return { seq, rows, meta }
}

export function readRows(num: number, keys: readonly StoredKey[] | null): StorageOp<readonly StoredRow[]> {
  return keys === null ? loadRows(rowsTable(num)) : loadKeys(rowsTable(num), [...new Set(keys)])
}

export function scanRows(num: number, metadataOnly: boolean): StorageOp<readonly StoredRow[]> {
  return metadataOnly ? loadRowsWithMeta(rowsTable(num)) : loadRows(rowsTable(num))
}
