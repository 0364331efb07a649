import { UnsupportedTanStackDbError } from './errors'
import { deepEquals, type SyncConfig } from '@tanstack/db'

/** What core hands a sync function: begin/write/commit, metadata, readiness. */
export type SyncParams<T extends object, TKey extends string | number> = Parameters<
  SyncConfig<T, TKey>['sync']
>[0]

/**
 * The only file that touches @tanstack/db internals. Mirroring core exactly
 * (partial merges, insert-on-existing-key as update, row metadata
 * last-write-wins in call order, truncate) is done by reading core's own
 * staged projection at commit time instead of re-implementing its rules.
 * Checked once per sync run: a core without these members is refused with a
 * clear error instead of being mirrored wrongly.
 */
export type MetadataWrite = { type: 'set'; value: unknown } | { type: 'delete' }

export interface PendingSyncTransaction<TKey> {
  committed: boolean
  truncate?: boolean
  operations: Array<{ key: TKey; type: string }>
  rowMetadataWrites: Map<TKey, MetadataWrite>
  collectionMetadataWrites: Map<string, MetadataWrite>
  invalidationError?: Error
}

interface SeedTransaction<TKey> {
  committed: true
  applicationStarted: false
  layoutChanged: false
  operations: Array<{ type: 'insert' | 'update'; key: TKey; value: object }>
  rowMetadataWrites: Map<TKey, MetadataWrite>
  explicitRowMetadataWrites: Map<TKey, { position: number; write: MetadataWrite }>
  collectionMetadataWrites: Map<string, MetadataWrite>
  applied: {
    promise: Promise<void>
    resolve: () => void
    reject: (e: unknown) => void
    isPending: () => boolean
  }
  preserveHydrationSeedKeys: true
}

interface CoreState<TKey> {
  pendingSyncedTransactions: Array<PendingSyncTransaction<TKey>>
  getAcceptedSyncedRow(key: TKey): object | undefined
  acceptSeedTransaction(transaction: SeedTransaction<TKey>): void
  hydrationSeedKeys: Set<TKey>
  hydratedKeys: Set<TKey>
  /** Optional: how core would take a synced insert of `value` under `key` right now. */
  classifyPendingSyncedInsert?(key: TKey, value: object): string
}

export interface CoreBridge<TKey> {
  /** The open (not yet committed) sync transaction, if any. */
  openTransaction(): PendingSyncTransaction<TKey> | undefined
  /** The row core will hold for `key` once every accepted and staged write applies. */
  acceptedRow(key: TKey): object | undefined
  /** Core would refuse this synced insert as a duplicate key (a different row is already there). */
  insertIsDuplicate(key: TKey, value: object): boolean
  /**
   * Seeds restored rows exactly as core's own DbClient hydration does. A row
   * without `value` is metadata core kept for a key that has no row.
   */
  seed(
    rows: ReadonlyArray<{ key: TKey; value?: object; metadata?: unknown }>,
    collectionMeta: ReadonlyArray<readonly [string, unknown]>,
  ): void
}

export function coreBridge<TKey>(collection: unknown): CoreBridge<TKey> {
  const state = (collection as { _state?: Partial<CoreState<TKey>> } | null)?._state
  if (
    !state ||
    !Array.isArray(state.pendingSyncedTransactions) ||
    typeof state.getAcceptedSyncedRow !== 'function' ||
    typeof state.acceptSeedTransaction !== 'function' ||
    !(state.hydrationSeedKeys instanceof Set) ||
    !(state.hydratedKeys instanceof Set)
  ) {
    throw new UnsupportedTanStackDbError('the collection state members used for exact mirroring')
  }
  const s = state as CoreState<TKey>
  return {
    openTransaction() {
      const last = s.pendingSyncedTransactions.at(-1)
      return last && !last.committed ? last : undefined
    },
    acceptedRow: (key) => s.getAcceptedSyncedRow(key),
    insertIsDuplicate(key, value) {
      if (typeof s.classifyPendingSyncedInsert === 'function')
        return s.classifyPendingSyncedInsert(key, value) === 'duplicate'
      const current = s.getAcceptedSyncedRow(key)
      return current !== undefined && !deepEquals(current, value)
    },
    seed(rows, collectionMeta) {
      if (rows.length === 0 && collectionMeta.length === 0) return
      const rowMetadataWrites = new Map<TKey, MetadataWrite>()
      const operations: SeedTransaction<TKey>['operations'] = []
      for (const row of rows) {
        if (row.metadata !== undefined) rowMetadataWrites.set(row.key, { type: 'set', value: row.metadata })
        if (row.value === undefined) continue
        s.hydrationSeedKeys.add(row.key)
        s.hydratedKeys.add(row.key)
        operations.push({
          type: s.getAcceptedSyncedRow(row.key) === undefined ? 'insert' : 'update',
          key: row.key,
          value: row.value,
        })
      }
      s.acceptSeedTransaction({
        committed: true,
        applicationStarted: false,
        layoutChanged: false,
        operations,
        rowMetadataWrites,
        explicitRowMetadataWrites: new Map(
          [...rowMetadataWrites].map(([key, write]) => [key, { position: operations.length, write }]),
        ),
        collectionMetadataWrites: new Map(
          collectionMeta.map(([key, value]) => [key, { type: 'set', value }]),
        ),
        applied: deferred(),
        preserveHydrationSeedKeys: true,
      })
    },
  }
}

function deferred(): SeedTransaction<never>['applied'] {
  let pending = true
  let resolve!: () => void
  let reject!: (e: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = () => {
      pending = false
      res()
    }
    reject = (e) => {
      pending = false
      rej(e)
    }
  })
  void promise.catch(() => undefined)
  return { promise, resolve, reject, isPending: () => pending }
}
