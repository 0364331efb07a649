/**
 * The transport-neutral base of every remote PersistDB message: tabs to their
 * leader (@persistdb/browser), renderers to Electron's main process. What a
 * request carries differs per transport; how it is identified, versioned and
 * answered is shared here.
 *
 * - A request has an `id` unique per client (a resend reuses it), the sender's
 *   `client` id, and the sender's protocol version `v`.
 * - An answer names the request id and the server's `term` (its leadership
 *   generation; a permanent server keeps one per start), and is either ok or
 *   carries an error envelope.
 * - A server announces commits with a change notice, never the rows: every
 *   client reads what changed from the file's change log.
 */
import { InvalidRemoteMessageError, RemoteProtocolMismatchError } from '@persistdb/core'
import type { ErrorEnvelope, RemoteErrorKind } from './envelope'
import { toEnvelope } from './envelope'

export interface RemoteRequestBase {
  /** Request id, unique per client; a resend reuses it. */
  id: number
  /** The sender's client id (one per tab / renderer persistence). */
  client: string
  /** The sender's protocol version (absent from builds before versioning: read as 1). */
  v?: number
}

export type RemoteOk<Extra extends object = object> = { id: number; term: number; ok: true } & Extra

export interface RemoteFailure {
  id: number
  term: number
  ok: false
  error: ErrorEnvelope
}

export type RemoteResponse<Extra extends object = object> = RemoteOk<Extra> | RemoteFailure

/** A server committed: clients catch up from the change log (a term newer than known means a new leader). */
export interface ChangeNotice {
  t: 'changed'
  term: number
  /** The collections the commit touched, when the server knows them (a hint; the change log is the truth). */
  collections?: readonly string[]
}

/** Client ids and transaction ids are random UUIDs: unique across tabs, windows and restarts. */
export function randomId(): string {
  return crypto.randomUUID()
}

/** The version a message was sent with; builds before versioning send none. */
export function versionOf(message: { v?: unknown }): number | undefined {
  return typeof message.v === 'number' ? message.v : undefined
}

/**
 * Undefined when `message` speaks protocol `ours`; else the typed error to
 * answer it with (by default RemoteProtocolMismatchError; a transport passes
 * its own, such as the browser's TabProtocolMismatchError). Check before
 * reading anything else of a message: other versions may mean other fields.
 */
export function protocolMismatch(
  message: { v?: unknown },
  ours: number,
  mismatch: (theirs: number | undefined) => Error = (theirs) =>
    new RemoteProtocolMismatchError('The other side', ours, theirs),
): Error | undefined {
  const theirs = versionOf(message)
  return theirs === ours ? undefined : mismatch(theirs)
}

export function okResponse<Extra extends object>(id: number, term: number, extra: Extra): RemoteOk<Extra> {
  return { id, term, ok: true, ...extra }
}

export function failureResponse(
  id: number,
  term: number,
  error: unknown,
  kind?: RemoteErrorKind,
): RemoteFailure {
  return { id, term, ok: false, error: toEnvelope(error, kind) }
}

/** Longest client id a server accepts (a UUID is 36). */
export const MAX_CLIENT_ID_LENGTH = 128
const CLIENT_ID = /^[\w.:-]+$/

/**
 * The base fields of a message from an untrusted sender, checked: throws
 * InvalidRemoteMessageError for anything PersistDB would not send. The
 * version is not judged here (see protocolMismatch).
 */
export function readRequestBase(message: unknown): RemoteRequestBase {
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw new InvalidRemoteMessageError(`expected a message object, got ${describe(message)}`)
  const { id, client, v } = message as Record<string, unknown>
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
    throw new InvalidRemoteMessageError(`the request id must be a non-negative integer, got ${describe(id)}`)
  if (
    typeof client !== 'string' ||
    client.length === 0 ||
    client.length > MAX_CLIENT_ID_LENGTH ||
    !CLIENT_ID.test(client)
  )
    throw new InvalidRemoteMessageError(
      `the client id must be 1-${MAX_CLIENT_ID_LENGTH} letters, digits or "_.:-"`,
    )
  if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v)))
    throw new InvalidRemoteMessageError(`the protocol version must be an integer, got ${describe(v)}`)
  return v === undefined ? { id, client } : { id, client, v }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `a string of ${value.length} characters`
  if (typeof value === 'number') return String(value)
  return typeof value
}
