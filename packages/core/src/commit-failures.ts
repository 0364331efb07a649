import type { SyncParams } from './core-bridge'
import { isPromiseLike } from './driver'
import { PersistenceWriteError } from './errors'
import type { PersistedSyncContext } from './persisted-sync'
import type { RemoteChanges } from './remote-changes'
import type { CollectionRecord } from './store'

/** The failure paths of a sync run's commit (persisted-sync.ts): what happens when a write cannot reach disk. */

const ABORTED = (() => {
  const controller = new AbortController()
  controller.abort()
  return controller.signal
})()

export interface FailingRun<T extends object, TKey extends string | number> {
  readonly ctx: PersistedSyncContext
  readonly params: SyncParams<T, TKey>
  readonly remote: RemoteChanges<T, TKey>
  readonly record: CollectionRecord | undefined
}

/**
 * A local write confirmed after cleanup() (async drivers confirm once the handler runs): core has
 * dropped the collection's state, so it cannot be written. It fails, typed, for the handler waiting on
 * it, instead of being acknowledged with nothing on disk.
 */
export function refuseAfterCleanup(ctx: PersistedSyncContext): void {
  const error = new PersistenceWriteError(
    ctx.name,
    new Error('the collection was cleaned up before this write reached disk'),
  )
  const { position, result } = ctx.durability.enqueue(() => Promise.reject(error))
  result.catch(() => undefined)
  ctx.durability.fail(position, error)
}

/**
 * A write failed before reaching disk. Local-only: core's transaction is abandoned too, so the user's
 * write fails whole instead of living only in memory. Synced: the run stops persisting and the collection
 * moves to its error state.
 */
export function failCommit<T extends object, TKey extends string | number>(
  run: FailingRun<T, TKey>,
  error: unknown,
  signal: AbortSignal | undefined,
  afterCommit: <R>(receipt: R) => R,
): ReturnType<SyncParams<T, TKey>['commit']> {
  if (run.ctx.kind === 'local') {
    const abandoned = run.params.commit(ABORTED)
    if (abandoned !== true) abandoned.catch(() => undefined)
    run.remote.flush()
    throw error
  }
  recordFailure(run.ctx, run.record, error)
  const receipt = afterCommit(run.params.commit(signal))
  run.params.markError(error)
  return receipt
}

/**
 * A synced write failed: stop persisting this run (what is on disk stays
 * consistent with its resume metadata) and make the next start resync.
 */
export function recordFailure(
  ctx: PersistedSyncContext,
  record: CollectionRecord | undefined,
  error: unknown,
): void {
  ctx.status.failure = error
  if (!record) return
  try {
    const marked = ctx.persistence.requireResync(record.num)
    if (isPromiseLike(marked)) marked.catch(() => undefined)
  } catch {
    // Best effort: with nothing written after the failure, the stored
    // rows still match the stored resume metadata.
  }
}
