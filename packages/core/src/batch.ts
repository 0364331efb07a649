import { encodeKey, encodeValue } from './codec'
import { KEEP_META, type CommitBatch, type RowWrite } from './store'
import type { CoreBridge, MetadataWrite, PendingSyncTransaction } from './core-bridge'

/**
 * Turns core's open sync transaction into the rows to write: for each key it
 * touched, the row core will hold afterwards and its final row metadata.
 * Encoding happens here, before any SQL runs, so a value SQLite cannot hold
 * fails the transaction with nothing half-written.
 */
export function buildBatch<TKey>(
  bridge: CoreBridge<TKey>,
  pending: PendingSyncTransaction<TKey>,
): CommitBatch {
  const keys = new Set<TKey>()
  for (const operation of pending.operations) keys.add(operation.key)
  for (const key of pending.rowMetadataWrites.keys()) keys.add(key)
  const rows: RowWrite[] = []
  for (const key of keys) {
    const value = bridge.acceptedRow(key)
    const write = pending.rowMetadataWrites.get(key)
    rows.push({
      key: encodeKey(key),
      value: value === undefined ? null : encodeValue(value),
      meta: write === undefined ? KEEP_META : encodeMetadata(write),
    })
  }
  const collectionMeta: Array<readonly [string, string | null]> = []
  for (const [key, write] of pending.collectionMetadataWrites)
    collectionMeta.push([key, encodeMetadata(write)])
  return { truncate: pending.truncate === true, rows, collectionMeta }
}

function encodeMetadata(write: MetadataWrite): string | null {
  return write.type === 'delete' ? null : encodeValue(write.value)
}

export function isEmptyBatch(batch: CommitBatch): boolean {
  return !batch.truncate && batch.rows.length === 0 && batch.collectionMeta.length === 0
}
