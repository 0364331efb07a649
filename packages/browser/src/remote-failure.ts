/**
 * What a tab makes of a failed request. The leader's typed errors are revived
 * from their envelopes (`@persistdb/core/remote`) as the same classes, the
 * browser's own included (quota, tab protocol, ...); a lost attempt or a lost
 * leader become internal errors the driver recovers from.
 */
import { openFailure, RemotePersistenceError, SQLiteEngineError } from '@persistdb/core'
import { reviveError, type ErrorEnvelope, type RemoteErrorKind } from '@persistdb/core/remote'
import { BROWSER_ERROR_CLASSES, LeaderUnavailableError } from './errors'

/** Internal: the leader a request went to is gone; the caller decides how to recover. */
export class LeaderLostError extends Error {
  constructor() {
    super('the leader that received this request went away')
  }
}

/**
 * Internal: the leader no longer knows this transaction attempt (`TX_UNKNOWN`) or a newer leader fenced
 * its commit (`FENCED`). Nothing of it was applied; the driver runs it again.
 */
export class AttemptLostError extends Error {
  readonly kind: RemoteErrorKind | undefined

  constructor(envelope: ErrorEnvelope) {
    super(envelope.message)
    this.name = 'AttemptLostError'
    this.kind = envelope.kind
  }
}

/** The error a tab's request fails with, from the leader's envelope. */
export function remoteFailure(envelope: ErrorEnvelope): Error {
  if (envelope.kind === 'TX_UNKNOWN' || envelope.kind === 'FENCED') return new AttemptLostError(envelope)
  if (envelope.kind === 'SQL' && envelope.code === undefined) {
    // A statement failed in the leader's engine layer without an engine code: the same typed error core's
    // guard makes of such a failure in any driver.
    const cause = Object.assign(new Error(envelope.message), { name: envelope.name })
    return new SQLiteEngineError(envelope.message, undefined, cause)
  }
  return reviveError(envelope, BROWSER_ERROR_CLASSES)
}

/** Why no tab can lead: the file itself (not SQLite, damaged, ...) gets its own typed error. */
export function openFailureError(failure: ErrorEnvelope, databaseName: string, waitedMs: number): Error {
  const error = reviveError(failure, BROWSER_ERROR_CLASSES)
  if (error instanceof RemotePersistenceError) return new LeaderUnavailableError(databaseName, waitedMs)
  return openFailure(error, databaseName) ?? new LeaderUnavailableError(databaseName, waitedMs)
}
