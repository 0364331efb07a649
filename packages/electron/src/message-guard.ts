/**
 * The first look main takes at a message from a renderer, before PersistDB's
 * own request validation: is it plain structured-clone data of a bounded
 * size? One walk, bounded by the limits, so a hostile message (a sparse
 * array claiming a billion elements, a deep nest, a cycle, a huge string)
 * costs main at most `maxBytes` worth of work.
 */
/** Why a message was refused before PersistDB read it. */
export type RefusedMessageReason = 'too-large' | 'malformed'

export interface MessageLimits {
  /** Upper bound of the message's size in bytes, counted as structured clone would carry it (roughly). */
  maxBytes: number
  /** Deepest nesting of objects and arrays. */
  maxDepth: number
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
export const DEFAULT_MAX_DEPTH = 64

export type MessageVerdict =
  { ok: true; bytes: number } | { ok: false; reason: RefusedMessageReason; detail: string }

class Refusal {
  constructor(
    readonly reason: RefusedMessageReason,
    readonly detail: string,
  ) {}
}

/** Measures `message` and checks it is plain data; never throws. */
export function inspectMessage(message: unknown, limits: MessageLimits): MessageVerdict {
  let bytes = 0
  // Ancestors only: a value shared by two rows is fine (counted twice, which the byte limit bounds); a cycle is not.
  const ancestors = new Set<object>()
  const add = (n: number) => {
    bytes += n
    if (bytes > limits.maxBytes)
      throw new Refusal('too-large', `it is larger than maxMessageBytes (${limits.maxBytes} bytes)`)
  }
  const malformed = (what: string, path: string) => new Refusal('malformed', `${what} at ${path}`)

  const walk = (value: unknown, depth: number, path: string): void => {
    switch (typeof value) {
      case 'string':
        return add(16 + value.length * 2)
      case 'number':
      case 'boolean':
      case 'undefined':
        return add(8)
      case 'bigint':
        return add(16 + Math.ceil(value.toString(16).length / 2))
      case 'object':
        break
      default:
        // Functions and symbols cannot cross structured clone; anything else is not ours.
        throw malformed(`a ${typeof value}`, path)
    }
    if (value === null) return add(8)
    if (ancestors.has(value)) throw malformed('a value that contains itself', path)
    if (depth >= limits.maxDepth) throw malformed(`nesting deeper than ${limits.maxDepth} levels`, path)
    ancestors.add(value)
    try {
      walkObject(value, depth, path)
    } finally {
      ancestors.delete(value)
    }
  }

  const walkObject = (value: object, depth: number, path: string): void => {
    if (ArrayBuffer.isView(value)) {
      if (!(value instanceof Uint8Array)) throw malformed(`a ${value.constructor.name}`, path)
      return add(16 + value.byteLength)
    }
    if (value instanceof Date) return add(16)
    if (value instanceof Map) {
      add(16)
      let i = 0
      for (const [k, v] of value) {
        walk(k, depth + 1, `${path}<key ${i}>`)
        walk(v, depth + 1, `${path}<value ${i}>`)
        i++
      }
      return
    }
    if (value instanceof Set) {
      add(16)
      let i = 0
      for (const v of value) walk(v, depth + 1, `${path}<item ${i++}>`)
      return
    }
    if (Array.isArray(value)) {
      // Structured clone carries holes compactly: length alone must not drive the walk.
      add(16)
      const keys = Object.keys(value)
      if (keys.length !== value.length) throw malformed('an array with holes or extra properties', path)
      for (let i = 0; i < value.length; i++) walk(value[i], depth + 1, `${path}[${i}]`)
      return
    }
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null)
      throw malformed('an object that is not plain data (Error, RegExp, ArrayBuffer, boxed value, ...)', path)
    add(16)
    for (const key of Object.keys(value)) {
      add(16 + key.length * 2)
      walk(
        (value as Record<string, unknown>)[key],
        depth + 1,
        `${path}.${key.length > 40 ? key.slice(0, 40) + '…' : key}`,
      )
    }
  }

  try {
    walk(message, 0, '$')
    return { ok: true, bytes }
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.reason, detail: error.detail }
    // A getter or a proxy cannot arrive over IPC; whatever threw, the message is not ours.
    return { ok: false, reason: 'malformed', detail: 'it could not be read as plain data' }
  }
}
