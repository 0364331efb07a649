import { withAcceptedReceipt, type SyncConfig, type SyncConfigRes, type CleanupFn } from '@tanstack/db'
import { buildBatch, isEmptyBatch } from './batch'
import { encodeKey, encodeValue } from './codec'
import { coreBridge, type CoreBridge, type SyncParams } from './core-bridge'
import { isPromiseLike, type MaybePromise } from './driver'
import { isPersistenceVerdict, PersistenceClosedError, PersistenceWriteError } from './errors'
import { ReadOnlyDatabaseError } from './open-errors'
import { chain } from './persistence'
import type { PersistenceBackend } from './backend'
import { expectSync } from './runner'
import { type CollectionKind, type CollectionRecord, type MigrateRows, type RowWrite } from './store'
import { RemoteChanges } from './remote-changes'
import { failCommit, recordFailure, refuseAfterCleanup } from './commit-failures'
import { readRestoreSnapshot } from './restore-snapshot'
import { deferredSubsets } from './deferred-subsets'
import { OnDemandRun } from './persisted-on-demand'
import { checkSyncPersistenceProtocol } from './sync-persistence-capability'
import type { RestoreReadiness } from './readiness'
import type { PersistenceStatus } from './status'
import type { DurableQueue } from './durable-queue'

export interface PersistedSyncContext {
  readonly persistence: PersistenceBackend
  readonly name: string
  readonly kind: CollectionKind
  /** 'on-demand': rows load per subset request from SQLite; nothing is restored up front. */
  readonly syncMode: 'eager' | 'on-demand'
  readonly schemaVersion: number
  readonly migrate: ((from: number) => MigrateRows | undefined) | undefined
  readonly initialData: readonly object[] | undefined
  /** Synced only: a cached collection becomes ready after this long without its source. */
  readonly offlineReadyTimeoutMs: number
  readonly readiness: RestoreReadiness
  readonly status: PersistenceStatus
  readonly durability: DurableQueue
}

/**
 * Wraps a sync config so that every transaction core accepts is persisted
 * first, restored rows and metadata are seeded before the source starts, and
 * other writers' commits flow in. See docs/architecture.md.
 */
export function createPersistedSync<T extends object, TKey extends string | number>(
  inner: SyncConfig<T, TKey>,
  ctx: PersistedSyncContext,
): SyncConfig<T, TKey> {
  return {
    ...inner,
    sync: (params) => new PersistedSyncRun<T, TKey>(inner, ctx, params).start(),
  }
}

class PersistedSyncRun<T extends object, TKey extends string | number> {
  private readonly bridge: CoreBridge<TKey>
  private closed = false
  private record: CollectionRecord | undefined
  private innerResult: SyncConfigRes | undefined
  private unsubscribe: (() => void) | undefined
  private sourceReady = false
  private cacheUsable = false
  private offlineTimer: ReturnType<typeof setTimeout> | undefined
  /** Other writers' commits, applied between the source's transactions. */
  private readonly remote: RemoteChanges<T, TKey>
  private readonly partial: boolean
  /** This run's commits in the change log; it skips only these when others' changes arrive. */
  private readonly writerId: string
  /** Set for an on-demand collection: rows load per subset request (persisted-on-demand.ts). */
  private readonly onDemand: OnDemandRun<T, TKey> | undefined
  private offFailure: (() => void) | undefined

  constructor(
    private readonly inner: SyncConfig<T, TKey>,
    private readonly ctx: PersistedSyncContext,
    private readonly params: SyncParams<T, TKey>,
  ) {
    this.bridge = coreBridge<TKey>(params.collection)
    this.partial = (inner.rowUpdateMode ?? 'partial') === 'partial'
    this.writerId = ctx.persistence.newWriterId()
    this.onDemand =
      ctx.syncMode === 'on-demand'
        ? new OnDemandRun<T, TKey>({
            params,
            bridge: this.bridge,
            persistence: ctx.persistence,
            synced: ctx.kind === 'synced',
            offlineReadyTimeoutMs: ctx.offlineReadyTimeoutMs,
            collection: () => this.record?.num,
            settled: () => this.settled(),
            cacheUsable: () => this.cacheUsable,
            source: () => this.innerResult,
            onSourceError: (error) => {
              this.ctx.status.sourceError = error
            },
            isClosed: () => this.closed,
          })
        : undefined
    this.remote = new RemoteChanges<T, TKey>({
      name: ctx.name,
      persistence: ctx.persistence,
      params,
      bridge: this.bridge,
      partial: this.partial,
      collection: () => this.record?.num,
      loader: () => this.onDemand?.loader,
      isClosed: () => this.closed,
    })
  }

  start(): SyncConfigRes {
    this.ctx.readiness.restart()
    this.ctx.status.failure = undefined
    this.ctx.status.sourceError = undefined
    let started: MaybePromise<void>
    try {
      if (this.onDemand && this.ctx.kind === 'synced') checkSyncPersistenceProtocol()
      started = chain(this.ctx.persistence.ready(), () =>
        chain(this.open(), (record) => this.restore(record)),
      )
    } catch (error) {
      this.failStart(error)
      // On-demand collections require a loadSubset handler: without one core would replace the
      // failure with a configuration error. Subset loads answer with the failure instead.
      return {
        cleanup: () => this.cleanup(),
        loadSubset: () => Promise.reject(error),
        unloadSubset: () => undefined,
      }
    }
    if (isPromiseLike(started)) started.catch((error: unknown) => this.failStart(error))
    if (this.onDemand) {
      return {
        ...this.innerResult,
        cleanup: () => this.cleanup(),
        ...this.onDemand.handlers(isPromiseLike(started) ? started : undefined),
      }
    }
    if (!isPromiseLike(started)) {
      // Sync driver: the source already runs; hand core its own handlers.
      return { ...this.innerResult, cleanup: () => this.cleanup() }
    }
    return {
      cleanup: () => this.cleanup(),
      ...deferredSubsets(
        started,
        () => this.innerResult,
        () => this.closed,
      ),
    }
  }

  private open(): MaybePromise<CollectionRecord> {
    const { persistence, name, kind, schemaVersion, migrate } = this.ctx
    return persistence.openCollection({
      name,
      kind,
      schemaVersion,
      writerId: this.writerId,
      migrate,
      initialRows: () => this.encodeInitialData(),
    })
  }

  /** Encoded only when the collection is actually being created. */
  private encodeInitialData(): RowWrite[] {
    const collection = this.params.collection
    return (this.ctx.initialData ?? []).map((item) => ({
      key: encodeKey(collection.getKeyFromItem(item as T)),
      value: encodeValue(item),
      meta: null,
    }))
  }

  private restore(record: CollectionRecord): MaybePromise<void> {
    this.record = record
    const snapshot = readRestoreSnapshot<TKey>(this.ctx.persistence, this.ctx.name, record, !this.onDemand)
    return chain(snapshot, ({ seq, rows, collectionMeta }) => {
      if (this.closed) return
      this.bridge.seed(rows, collectionMeta)
      this.onDemand?.bind(record.num)
      this.ctx.readiness.restored()
      this.cacheUsable = this.ctx.kind === 'synced' && !record.created && !record.reset
      this.unsubscribe = this.ctx.persistence.subscribe(record.num, seq, {
        writerId: this.writerId,
        onRemoteChange: (keys) => this.remote.queue(keys),
      })
      // The file went away under the persistence: this collection stops in a typed error state.
      this.offFailure = this.ctx.persistence.onFailure((error) => this.failStart(error))
      this.innerResult = normalize(this.inner.sync(this.wrappedParams()))
      if (this.ctx.kind === 'synced' && this.cacheUsable && !this.sourceReady) this.startOfflineTimer()
    })
  }

  /** Async drivers: resolves once the writes core accepted so far are on disk (reads must see them). */
  private settled(): Promise<void> | undefined {
    return this.ctx.persistence.isSync ? undefined : this.ctx.durability.settled()
  }

  private wrappedParams(): SyncParams<T, TKey> {
    const p = this.params
    return {
      ...p,
      ...(this.onDemand && this.ctx.kind === 'synced' && p.metadata
        ? { metadata: { ...p.metadata, persistence: this.onDemand.capability() } }
        : {}),
      write: (message) => this.write(message),
      commit: (signal) => this.commit(signal),
      markReady: () => {
        if (this.closed) return
        this.sourceReady = true
        this.clearOfflineTimer()
        p.markReady()
      },
      markError: (error) => {
        if (this.closed) return
        // A cached collection whose source fails before its first answer
        // stays usable with the cached rows; the source keeps its own error.
        if (this.cacheUsable && p.collection.status === 'loading') {
          this.ctx.status.sourceError = error
          this.clearOfflineTimer()
          p.markReady()
          return
        }
        p.markError(error)
      },
    }
  }

  /**
   * Another writer (tab, process) may already have stored a row this source
   * now inserts, from an upstream that is a step behind: core holds it from
   * the change log. Core would refuse such an insert as a duplicate key and
   * leave the source's transaction open; the file's rule is last commit wins,
   * so the insert replaces the row.
   */
  private write(message: Parameters<SyncParams<T, TKey>['write']>[0]): void {
    const p = this.params
    if (message.type === 'insert' && !this.closed) {
      const key = p.collection.getKeyFromItem(message.value)
      if (this.bridge.insertIsDuplicate(key, message.value)) {
        if (this.partial) {
          // Partial mode would merge an update into the old row; the inserted row replaces it whole.
          p.write({ type: 'delete', key })
          p.write(message)
        } else p.write({ ...message, type: 'update' })
        return
      }
    }
    p.write(message)
  }

  /** The one choke point: persist core's open transaction, then let core accept it. */
  private commit(signal?: AbortSignal): ReturnType<SyncParams<T, TKey>['commit']> {
    const p = this.params
    const record = this.record
    const pending = this.bridge.openTransaction()
    if (this.closed && this.ctx.kind === 'local' && !this.ctx.persistence.isSync) refuseAfterCleanup(this.ctx)
    if (this.closed || !record || !pending || signal?.aborted || pending.invalidationError) {
      return this.afterCommit(p.commit(signal))
    }
    if (this.ctx.kind === 'synced' && this.ctx.status.failure) return this.afterCommit(p.commit(signal))
    let batch
    try {
      batch = buildBatch(this.bridge, pending)
    } catch (error) {
      return this.fail(error, signal)
    }
    if (isEmptyBatch(batch)) return this.afterCommit(p.commit(signal))
    // A subset read still in flight must not bring back an older version of these rows.
    const loader = this.onDemand?.loader
    if (batch.truncate) loader?.reset()
    else loader?.touched(batch.rows.map((row) => row.key))
    const { persistence } = this.ctx
    const write = () => persistence.commitBatch(record.num, batch, this.writerId)
    if (persistence.isSync) {
      try {
        expectSync(write(), 'a write transaction')
      } catch (error) {
        return this.fail(
          isPersistenceVerdict(error) ? error : new PersistenceWriteError(this.ctx.name, error),
          signal,
        )
      }
      return this.afterCommit(p.commit(signal))
    }
    // Async driver: core accepts now, the receipt's acceptance waits for disk.
    const queued = this.ctx.durability.enqueue(write)
    const durable = persistence.track(queued.result).then(
      () => undefined,
      (error: unknown) => {
        // A read-only file is reported as it is, as on synchronous drivers: the same error on every runtime.
        const failure =
          error instanceof ReadOnlyDatabaseError ? error : new PersistenceWriteError(this.ctx.name, error)
        if (this.ctx.kind === 'local') {
          // Let the waiting handler reject with the failure (first: the read
          // below throws once the persistence is closed), and bring memory
          // back to what disk holds where the file can still be read.
          this.ctx.durability.fail(queued.position, failure)
          try {
            this.remote.queue(batch.truncate ? null : batch.rows.map((row) => row.key))
          } catch (readError) {
            if (!(readError instanceof PersistenceClosedError)) throw readError
          }
        } else recordFailure(this.ctx, this.record, failure)
        throw failure
      },
    )
    void durable.catch(() => undefined)
    const visible = p.commit(signal)
    this.afterCommit(visible)
    return withAcceptedReceipt(visible === true ? Promise.resolve() : visible, durable)
  }

  private fail(error: unknown, signal?: AbortSignal): ReturnType<SyncParams<T, TKey>['commit']> {
    return failCommit(
      { ctx: this.ctx, params: this.params, remote: this.remote, record: this.record },
      error,
      signal,
      (receipt) => this.afterCommit(receipt),
    )
  }

  private afterCommit<R>(receipt: R): R {
    this.remote.flush()
    this.onDemand?.loader?.flush()
    return receipt
  }

  private startOfflineTimer(): void {
    this.offlineTimer = setTimeout(() => {
      this.offlineTimer = undefined
      if (!this.closed && !this.sourceReady && this.params.collection.status === 'loading')
        this.params.markReady()
    }, this.ctx.offlineReadyTimeoutMs)
  }

  private clearOfflineTimer(): void {
    if (this.offlineTimer) clearTimeout(this.offlineTimer)
    this.offlineTimer = undefined
  }

  private failStart(error: unknown): void {
    if (this.closed) return
    this.ctx.readiness.failed(error)
    this.ctx.status.failure = error
    this.params.markError(error)
  }

  /** The fence closes before the source's cleanup runs: its deletes never reach disk. */
  private cleanup(): void | Promise<void> {
    this.closed = true
    // A local write waiting for the restore (async drivers) must not wait for ever: it fails, typed.
    if (this.ctx.readiness.getSnapshot().status === 'loading') {
      this.ctx.readiness.failed(
        new PersistenceWriteError(
          this.ctx.name,
          new Error('the collection was cleaned up before its stored rows were restored'),
        ),
      )
    }
    this.clearOfflineTimer()
    this.unsubscribe?.()
    this.offFailure?.()
    this.onDemand?.unbind()
    const cleanup = this.innerResult?.cleanup
    if (!cleanup) return
    try {
      const result = cleanup()
      if (isPromiseLike(result)) return result.catch(() => undefined)
    } catch {
      // cleanup must never throw
    }
  }
}

function normalize(result: void | CleanupFn | SyncConfigRes): SyncConfigRes {
  if (typeof result === 'function') return { cleanup: result }
  return result ?? {}
}
