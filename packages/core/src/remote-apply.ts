import { decodeKey, decodeValue, type StoredKey } from './codec'
import type { CoreBridge, SyncParams } from './core-bridge'
import type { StoredRow } from './store'

/**
 * Brings core in line with what another writer left on disk, as one synced
 * transaction through core's own (unpersisted) sync functions. The current
 * row is read rather than the logged change, so applying twice is harmless
 * and every writer converges on the last commit.
 *
 * `keys` null means "reload everything": truncate, then the stored rows.
 */
export function applyStoredRows<T extends object, TKey extends string | number>(
  p: SyncParams<T, TKey>,
  bridge: CoreBridge<TKey>,
  partial: boolean,
  keys: readonly StoredKey[] | null,
  stored: readonly StoredRow[],
  /** On-demand: whether a row core does not hold yet belongs in memory (default: always). */
  admitNew?: (value: T) => boolean,
): void {
  const byKey = new Map<string | number, StoredRow>()
  for (const row of stored) byKey.set(decodeKey(row.key), row)
  p.begin()
  if (keys === null) p.truncate({ markReady: false })
  for (const key of keys === null ? byKey.keys() : new Set(keys)) {
    const k = key as TKey
    const row = byKey.get(key)
    const exists = keys !== null && bridge.acceptedRow(k) !== undefined
    if (row?.value == null) {
      if (exists) p.write({ type: 'delete', key: k })
    } else {
      const value = decodeValue(row.value) as T
      if (!exists && admitNew && !admitNew(value)) continue
      if (exists && partial) {
        // Partial mode would merge; the stored row replaces the old one.
        p.write({ type: 'delete', key: k })
        p.write({ type: 'insert', value })
      } else p.write({ type: exists ? 'update' : 'insert', value })
    }
    if (row?.meta != null) p.metadata?.row.set(k, decodeValue(row.meta))
    else if (row || exists) p.metadata?.row.delete(k)
  }
  const receipt = p.commit()
  if (receipt !== true) receipt.catch(() => undefined)
}
