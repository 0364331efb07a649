import { reviveError } from './envelope'

export { RemoteRequestRefusedError, RemoteUnavailableError } from '@persistdb/core'

/**
 * The errors of PersistDB's operations across a boundary. They travel as the
 * shared protocol's envelopes (envelope.ts) and are revived with their class
 * (core's error table, CORE_ERROR_CLASSES).
 */

/** A typed error from an operation's error envelope. */
export function reviveOperationError(envelope: unknown): Error {
  return reviveError(envelope)
}
