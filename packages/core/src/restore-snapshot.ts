import { decodeKey, decodeValue } from './codec'
import { isPromiseLike, type MaybePromise } from './driver'
import { isPersistenceVerdict, PersistenceReadError } from './errors'
import type { PersistenceBackend } from './backend'
import { chain } from './persistence'
import type { CollectionRecord, StoredRow } from './store'

/** What a sync run restores into core before its source starts. */
export interface RestoreSnapshot<TKey> {
  /** Change-log head read before the rows: later commits are re-applied, never missed. */
  readonly seq: number
  /** Rows and row metadata (a row without `value` is metadata core kept for a key with no row). */
  readonly rows: ReadonlyArray<{ key: TKey; value?: object; metadata?: unknown }>
  readonly collectionMeta: ReadonlyArray<readonly [string, unknown]>
}

/**
 * Reads and decodes a collection's snapshot. On-demand collections restore
 * only their metadata (rows load per subset). A read SQLite could not do
 * fails with a typed PersistenceReadError; PersistDB's own errors pass through.
 */
export function readRestoreSnapshot<TKey>(
  persistence: PersistenceBackend,
  name: string,
  record: CollectionRecord,
  withRows: boolean,
): MaybePromise<RestoreSnapshot<TKey>> {
  return typedRead(name, () =>
    chain(persistence.readSnapshot(record.num, withRows), ({ seq, rows, meta }) => ({
      seq,
      rows: decodeRows<TKey>(rows),
      collectionMeta: meta.map(([key, value]) => [key, decodeValue(value)] as const),
    })),
  )
}

function decodeRows<TKey>(rows: readonly StoredRow[]): RestoreSnapshot<TKey>['rows'] {
  const out: Array<{ key: TKey; value?: object; metadata?: unknown }> = []
  for (const row of rows) {
    const key = decodeKey(row.key) as TKey
    const metadata = row.meta === null ? undefined : decodeValue(row.meta)
    // A key with metadata but no row: core keeps such metadata, so restore it too.
    if (row.value === null) {
      if (metadata !== undefined) out.push({ key, metadata })
      continue
    }
    out.push({ key, value: decodeValue(row.value) as object, metadata })
  }
  return out
}

function typedRead<T>(name: string, read: () => MaybePromise<T>): MaybePromise<T> {
  const typed = (error: unknown) =>
    isPersistenceVerdict(error) ? error : new PersistenceReadError(name, error)
  try {
    const result = read()
    return isPromiseLike(result)
      ? result.catch((error: unknown) => {
          throw typed(error)
        })
      : result
  } catch (error) {
    throw typed(error)
  }
}
