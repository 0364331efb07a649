import * as coreErrors from '../errors'
import * as openErrors from '../open-errors'
import { PersistenceError } from '../errors'

/**
 * Errors across the boundary. Structured clone (and Electron's IPC, which
 * passes only an error's message) loses an error's class and `code`, so the
 * server sends an envelope and the client rebuilds the typed error from it:
 * same class (for PersistDB's own errors), same `code`, same message and
 * plain own fields such as `collectionId`.
 */
export interface ErrorEnvelope {
  readonly name: string
  readonly message: string
  readonly code?: string
  /** The error's own plain fields (strings, numbers, booleans, null). */
  readonly fields?: Readonly<Record<string, string | number | boolean | null>>
}

/** Refused before anything was read or written: malformed, oversized, unknown or not allowed. */
export class RemoteRequestRefusedError extends PersistenceError {
  readonly reason: 'malformed' | 'too-large' | 'unknown-collection' | 'forbidden-sender' | 'protocol'

  constructor(reason: RemoteRequestRefusedError['reason'], detail: string) {
    super(
      'PERSISTDB_REMOTE_REFUSED',
      `The PersistDB server refused a request (${reason}): ${detail}. Nothing was read or written. ` +
        (reason === 'protocol'
          ? 'Client and server run different PersistDB versions: update them together.'
          : 'Requests must come from an allowed sender and from PersistDB itself.'),
    )
    this.reason = reason
  }
}

/** The server is gone, stopped or closed: a request cannot be answered. Retrying later may work. */
export class RemoteUnavailableError extends PersistenceError {
  constructor(detail: string, cause?: unknown) {
    super(
      'PERSISTDB_REMOTE_UNAVAILABLE',
      `The PersistDB server is not available: ${detail}. Whether the last write was applied is ` +
        'known once it is back (resends are applied at most once).',
      { cause },
    )
  }
}

type ErrorClass = abstract new (...args: never[]) => PersistenceError

const CLASSES = new Map<string, ErrorClass>()
for (const value of [...Object.values(coreErrors), ...Object.values(openErrors)]) {
  if (typeof value === 'function' && value.prototype instanceof PersistenceError)
    CLASSES.set(value.name, value as ErrorClass)
}
CLASSES.set('PersistenceError', PersistenceError)
CLASSES.set('RemoteRequestRefusedError', RemoteRequestRefusedError)
CLASSES.set('RemoteUnavailableError', RemoteUnavailableError)

export function toEnvelope(error: unknown): ErrorEnvelope {
  const e = error as { name?: unknown; message?: unknown; code?: unknown } | null
  const fields: Record<string, string | number | boolean | null> = {}
  if (error instanceof PersistenceError) {
    for (const [key, value] of Object.entries(error)) {
      if (key === 'code' || key === 'name' || key === 'message') continue
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
        fields[key] = value as string | number | boolean | null
    }
  }
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  }
}

/** Rebuilds a typed error; an unknown class with a PersistDB code becomes a PersistenceError with that code. */
export function fromEnvelope(envelope: ErrorEnvelope): Error {
  const known = CLASSES.get(envelope.name)
  if (known || envelope.code?.startsWith('PERSISTDB_')) {
    const error = Object.create((known ?? PersistenceError).prototype) as PersistenceError
    const stack = new Error(envelope.message).stack
    Object.assign(error, envelope.fields ?? {})
    Object.defineProperties(error, {
      name: { value: envelope.name, writable: true, configurable: true },
      message: { value: envelope.message, writable: true, configurable: true },
      code: { value: envelope.code, writable: true, enumerable: true, configurable: true },
      stack: { value: stack, writable: true, configurable: true },
    })
    return error
  }
  const error = new Error(envelope.message)
  error.name = envelope.name
  return error
}
