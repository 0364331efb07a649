/**
 * Tabs of one origin may run different PersistDB builds (a stale tab after a
 * deploy). Every message carries TAB_PROTOCOL: a leader refuses requests of
 * another version and a tab refuses a leader of another version, each with
 * TabProtocolMismatchError, instead of misreading each other.
 */
import { protocolMismatch } from '@persistdb/core/remote'
import { TabProtocolMismatchError } from './errors'
import { TAB_PROTOCOL } from './protocol'

/** The error a leader answers a request of another build with; undefined when the request speaks ours. */
export function foreignRequest(databaseName: string, request: { v?: unknown }): Error | undefined {
  return protocolMismatch(
    request,
    TAB_PROTOCOL,
    (theirs) => new TabProtocolMismatchError(databaseName, TAB_PROTOCOL, theirs),
  )
}

/**
 * The error a tab fails its requests with while the announced leader runs another build; undefined when
 * it speaks ours. Builds before versioning announce no version (read as 1).
 */
export function foreignLeader(
  databaseName: string,
  announced: number | undefined,
): TabProtocolMismatchError | undefined {
  const theirs = announced ?? 1
  return theirs === TAB_PROTOCOL
    ? undefined
    : new TabProtocolMismatchError(databaseName, TAB_PROTOCOL, announced)
}
