import { encodeKey, type StoredKey } from './codec'
import type { CoreBridge, SyncParams } from './core-bridge'
import { isPromiseLike } from './driver'
import type { PersistenceBackend } from './backend'
import { applyStoredRows } from './remote-apply'
import type { StoredRow } from './store'
import type { SubsetLoader } from './subset-loader'

export interface RemoteChangesHost<T extends object, TKey extends string | number> {
  readonly name: string
  readonly persistence: PersistenceBackend
  readonly params: SyncParams<T, TKey>
  readonly bridge: CoreBridge<TKey>
  readonly partial: boolean
  /** The collection's number once it is open. */
  readonly collection: () => number | undefined
  /** On-demand collections: what is loaded decides which new rows come in. */
  readonly loader: () => SubsetLoader<T, TKey> | undefined
  readonly isClosed: () => boolean
}

/**
 * Other writers' commits to one collection: keys queue up (null: reload
 * everything) and are re-read from disk and applied between the source's
 * transactions, never inside one.
 */
export class RemoteChanges<T extends object, TKey extends string | number> {
  /** Keys waiting to be applied (null: reload all; undefined: nothing queued). */
  private queued: StoredKey[] | null | undefined

  constructor(private readonly host: RemoteChangesHost<T, TKey>) {}

  queue(keys: readonly StoredKey[] | null): void {
    if (this.host.isClosed()) return
    this.add(keys)
    this.flush()
  }

  /** Applies what is queued now, unless the source has a transaction open (then after its commit). */
  flush(): void {
    const { host } = this
    const queued = this.queued
    const collection = host.collection()
    if (queued === undefined || host.isClosed() || collection === undefined || host.bridge.openTransaction())
      return
    this.queued = undefined
    const loader = host.loader()
    loader?.touched(queued)
    // On-demand: a gap reloads the keys core holds and the loaded subsets, never the whole table.
    const keys = queued === null && loader ? this.heldKeys() : queued
    const rows = host.persistence.readRows(collection, keys)
    const apply = (stored: readonly StoredRow[]) => {
      if (host.isClosed()) return
      if (host.bridge.openTransaction()) {
        this.queue(queued)
        return
      }
      const admit = loader && ((row: T) => loader.matchesLoaded(row))
      applyStoredRows(host.params, host.bridge, host.partial, keys, stored, admit)
      if (queued === null) loader?.reloadAll()
    }
    if (isPromiseLike(rows)) rows.then(apply, (error: unknown) => this.readFailed(error, queued))
    else apply(rows)
  }

  private add(keys: readonly StoredKey[] | null): void {
    if (keys === null || this.queued === null) this.queued = null
    else this.queued = [...(this.queued ?? []), ...keys]
  }

  /** Keys core holds right now (on-demand: what a reload must refresh). */
  private heldKeys(): StoredKey[] {
    const keys: StoredKey[] = []
    const collection = this.host.params.collection as { keys(): Iterable<TKey> }
    for (const key of collection.keys()) keys.push(encodeKey(key))
    return keys
  }

  private readFailed(error: unknown, queued: StoredKey[] | null): void {
    console.error(
      `[persistdb] reading another writer's changes to "${this.host.name}" failed; will retry`,
      error,
    )
    this.add(queued)
  }
}
