/**
 * What a persisted collection's storage is doing, exposed as
 * `collection.utils.getPersistenceStatus()`. A failure here is also the
 * collection's error state; this keeps the cause readable after restarts of
 * the UI that only look at utils.
 */
export interface PersistenceStatusSnapshot {
  /** `failed`: a write or the restore failed; see `error`. */
  readonly state: 'ok' | 'failed'
  readonly error?: unknown
  /** The source failed before its first answer and cached rows are being served. */
  readonly sourceError?: unknown
}

export class PersistenceStatus {
  failure: unknown = undefined
  sourceError: unknown = undefined

  snapshot(): PersistenceStatusSnapshot {
    return {
      state: this.failure === undefined ? 'ok' : 'failed',
      ...(this.failure === undefined ? {} : { error: this.failure }),
      ...(this.sourceError === undefined ? {} : { sourceError: this.sourceError }),
    }
  }
}
