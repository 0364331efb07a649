import type { SyncConfigRes } from '@tanstack/db'
import type { PersistenceBackend } from './backend'
import type { CoreBridge, SyncParams } from './core-bridge'
import { onDemandHandlers } from './on-demand'
import { bindPersistedIndexes } from './persisted-indexes'
import type { SubsetCompareOptions } from './query'
import { SubsetLoader } from './subset-loader'
import { createSyncPersistenceCapability } from './sync-persistence-capability'

export interface OnDemandRunHost<T extends object, TKey extends string | number> {
  readonly params: SyncParams<T, TKey>
  readonly bridge: CoreBridge<TKey>
  readonly persistence: PersistenceBackend
  readonly synced: boolean
  readonly offlineReadyTimeoutMs: number
  /** The collection's number once it is open. */
  readonly collection: () => number | undefined
  /** Resolves once the writes core accepted so far are on disk (undefined: they already are). */
  readonly settled: () => Promise<void> | undefined
  /** The collection had rows before this start: a failing or silent source does not hide them. */
  readonly cacheUsable: () => boolean
  /** The inner source's own handlers (synced collections). */
  readonly source: () => SyncConfigRes | undefined
  readonly onSourceError: (error: unknown) => void
  readonly isClosed: () => boolean
}

/**
 * The on-demand half of one sync run (persisted-sync.ts): core's
 * loadSubset/unloadSubset handlers, the subset loader reading SQLite once the
 * collection is restored, the collection's indexes kept as SQLite indexes,
 * and the row-ownership capability a synced source reads back.
 */
export class OnDemandRun<T extends object, TKey extends string | number> {
  private subsetLoader: SubsetLoader<T, TKey> | undefined
  private unbindIndexes: (() => void) | undefined

  constructor(private readonly host: OnDemandRunHost<T, TKey>) {}

  /** Set once the collection is restored (`bind`). */
  get loader(): SubsetLoader<T, TKey> | undefined {
    return this.subsetLoader
  }

  /** What core calls to load and unload subsets; `started` settles when the restore does. */
  handlers(started: Promise<void> | undefined): Required<Pick<SyncConfigRes, 'loadSubset' | 'unloadSubset'>> {
    const host = this.host
    return onDemandHandlers({
      started,
      loader: () => this.subsetLoader as SubsetLoader<object, string | number> | undefined,
      source: host.source,
      synced: host.synced,
      cacheUsable: host.cacheUsable,
      offlineReadyTimeoutMs: host.offlineReadyTimeoutMs,
      onSourceError: host.onSourceError,
      isClosed: host.isClosed,
    })
  }

  /** The restored collection `num`: subsets load from it, the collection's indexes become its indexes. */
  bind(num: number): void {
    const { params, bridge, persistence, settled, isClosed } = this.host
    const collection = params.collection as { compareOptions?: SubsetCompareOptions }
    this.subsetLoader = new SubsetLoader<T, TKey>({
      params,
      bridge,
      persistence,
      collection: num,
      compare: collection.compareOptions,
      settled,
      isClosed,
    })
    this.unbindIndexes = bindPersistedIndexes(params.collection, persistence, num)
  }

  unbind(): void {
    this.unbindIndexes?.()
  }

  /** Lets query-db-collection keep rows on unload and read their ownership back (see sync-persistence-capability.ts). */
  capability() {
    return createSyncPersistenceCapability<TKey>({
      scanRows: async (metadataOnly) => {
        const num = this.host.collection()
        if (num === undefined) return []
        await this.host.settled()
        return this.host.persistence.scanRows(num, metadataOnly)
      },
    })
  }
}
