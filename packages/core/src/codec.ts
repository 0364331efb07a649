/**
 * Row codec: rows live in SQLite as JSON TEXT and must come back exactly as written.
 *
 * Plain JSON data is stored as plain JSON, so `json_extract(value, '$.field')` keeps working on ordinary
 * fields. Values JSON cannot represent become tagged objects `{"$pdb": <tag>, "v": ...}`:
 *   d Date (ms, null when invalid)   n bigint (decimal string)   f NaN/±Infinity/-0 (name)   u undefined
 *   b Uint8Array (base64)   m Map ([[k, v], ...])   s Set ([...])   o plain object owning a "$pdb" key (escape)
 * The tag format is on disk: never change the meaning of an existing tag.
 */
import { InvalidKeyError, StorageFormatError, UnsupportedValueError } from './errors.js'

export const TAG = '$pdb'

/** A collection key as bound into SQLite. */
export type StoredKey = string | number

type Segment = string | number
type PlainObject = Record<string, unknown>

/** Per-call walk state. The path is only turned into a string when a value is rejected. */
interface Walk {
  readonly ancestors: Set<object>
  readonly path: Segment[]
}

// Shared instance: JSON.stringify does not care that many places reference it.
const UNDEFINED_TAG: PlainObject = Object.freeze({ $pdb: 'u' })
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * Encodes a row (or any nested value) to JSON text. Walks the value once, copying only the containers whose
 * contents need tagging, then serializes with a single native JSON.stringify. Throws UnsupportedValueError,
 * before producing any output, for values that cannot round-trip.
 */
export function encodeValue(value: unknown): string {
  const walk: Walk = { ancestors: new Set(), path: [] }
  // encode() never returns undefined, a function or a symbol, so stringify always yields a string.
  return JSON.stringify(encode(value, walk))
}

/** Decodes text written by encodeValue. */
export function decodeValue(text: string): unknown {
  const parsed: unknown = JSON.parse(text)
  // Fast path: an encoder that wrote no tag wrote no "$pdb" key, so the native parse is already exact.
  return text.includes('"$pdb"') ? revive(parsed) : parsed
}

/** Validates a collection key for binding into SQLite. */
export function encodeKey(key: unknown): StoredKey {
  if (typeof key === 'string') return key
  // -0 and 0 are one key to a Map; store a single form so lookups by either hit the same row.
  if (typeof key === 'number' && Number.isFinite(key)) return key === 0 ? 0 : key
  throw new InvalidKeyError(key)
}

/** Converts a key read back from SQLite. Drivers in safe-integers mode return INTEGER columns as bigint. */
export function decodeKey(stored: unknown): string | number {
  if (typeof stored === 'string') return stored
  if (typeof stored === 'number' && Number.isFinite(stored)) return stored === 0 ? 0 : stored
  if (typeof stored === 'bigint') {
    const n = Number(stored)
    if (Number.isSafeInteger(n)) return n
  }
  throw new InvalidKeyError(stored)
}

function encode(value: unknown, walk: Walk): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      // JSON writes NaN/±Infinity as null and -0 as 0: tag them so they survive.
      if (value - value === 0 && (value !== 0 || 1 / value > 0)) return value
      return { $pdb: 'f', v: Object.is(value, -0) ? '-0' : String(value) }
    case 'bigint':
      return { $pdb: 'n', v: value.toString() }
    case 'undefined':
      return UNDEFINED_TAG
    case 'object':
      return value === null ? null : encodeObject(value, walk)
    case 'function':
      throw unsupported(walk, 'a function')
    default:
      throw unsupported(walk, 'a symbol')
  }
}

function encodeObject(obj: object, walk: Walk): unknown {
  const proto: unknown = Object.getPrototypeOf(obj)
  // Exact prototype checks: subclasses (Buffer, array subclasses, ...) would come back as the base class.
  if (proto === Date.prototype) {
    const ms = (obj as Date).getTime()
    return { $pdb: 'd', v: ms === ms ? ms : null }
  }
  if (proto === Uint8Array.prototype) return { $pdb: 'b', v: toBase64(obj as Uint8Array) }
  const isArray = Array.isArray(obj)
  const plain = (proto === Object.prototype || proto === null) && !isArray
  const known =
    plain || (isArray ? proto === Array.prototype : proto === Map.prototype || proto === Set.prototype)
  if (!known) throw unsupported(walk, describeInstance(proto as object))
  const ancestors = walk.ancestors
  if (ancestors.has(obj)) throw unsupported(walk, 'a circular reference')
  ancestors.add(obj)
  const out = plain
    ? encodePlain(obj as PlainObject, walk)
    : isArray
      ? encodeArray(obj as unknown[], walk)
      : proto === Map.prototype
        ? encodeMap(obj as Map<unknown, unknown>, walk)
        : encodeSet(obj as Set<unknown>, walk)
  // Only ancestors count as cycles; shared references elsewhere are fine and simply duplicated.
  ancestors.delete(obj)
  return out
}

function encodePlain(obj: PlainObject, walk: Walk): unknown {
  const keys = Object.keys(obj) // symbol keys are ignored, like JSON.stringify does
  const path = walk.path
  let out: PlainObject | undefined
  let escape = false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (key === TAG) escape = true
    const value = obj[key]
    path.push(key)
    const encoded = encode(value, walk)
    path.pop()
    if (out === undefined) {
      if (encoded === value) continue
      // Copy on first change. A null prototype keeps a "__proto__" key an ordinary own property.
      out = Object.create(null) as PlainObject
      for (let j = 0; j < i; j++) out[keys[j] as string] = obj[keys[j] as string]
    }
    out[key] = encoded
  }
  const result = out ?? obj
  // Escape user objects owning "$pdb" so stored data can never be mistaken for a tag.
  return escape ? { $pdb: 'o', v: result } : result
}

function encodeArray(arr: readonly unknown[], walk: Walk): unknown {
  const path = walk.path
  let out: unknown[] | undefined
  for (let i = 0; i < arr.length; i++) {
    const value = arr[i] // holes read as undefined and are stored as present undefined entries
    path.push(i)
    const encoded = encode(value, walk)
    path.pop()
    if (out === undefined) {
      if (encoded === value) continue
      out = arr.slice(0, i)
    }
    out.push(encoded)
  }
  return out ?? arr
}

// Map/Set paths follow the stored shape: `$.m[entry][0 = key | 1 = value]`, `$.s[index]`.
function encodeMap(map: Map<unknown, unknown>, walk: Walk): unknown {
  const path = walk.path
  const entries: unknown[] = []
  for (const [key, value] of map) {
    path.push(entries.length, 0)
    const k = encode(key, walk)
    path[path.length - 1] = 1
    const v = encode(value, walk)
    path.length -= 2
    entries.push([k, v])
  }
  return { $pdb: 'm', v: entries }
}

function encodeSet(set: Set<unknown>, walk: Walk): unknown {
  const path = walk.path
  const items: unknown[] = []
  for (const item of set) {
    path.push(items.length)
    items.push(encode(item, walk))
    path.pop()
  }
  return { $pdb: 's', v: items }
}

function unsupported(walk: Walk, what: string): UnsupportedValueError {
  let path = '$'
  for (const s of walk.path) {
    path += typeof s === 'number' ? `[${s}]` : IDENTIFIER.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`
  }
  return new UnsupportedValueError(path, what)
}

function describeInstance(proto: object): string {
  const ctor: unknown = (proto as { constructor?: unknown }).constructor
  const name = typeof ctor === 'function' ? ctor.name : ''
  return name && name !== 'Object' ? `an instance of ${name}` : 'an object with a custom prototype'
}

/** Restores tags in place. JSON.parse output is fresh, and assigning an existing own "__proto__" key is safe. */
function revive(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item === 'object' && item !== null) value[i] = revive(item)
    }
    return value
  }
  const obj = value as PlainObject
  if (!Object.hasOwn(obj, TAG)) return reviveProps(obj)
  const tag = obj[TAG]
  const v = obj.v
  switch (tag) {
    case 'u':
      return undefined
    case 'f':
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v)
      if (v === '-0') return -0
      break
    case 'd':
      if (typeof v === 'number' || v === null) return new Date(v ?? NaN)
      break
    case 'n':
      if (typeof v === 'string') return BigInt(v)
      break
    case 'b':
      if (typeof v === 'string') return fromBase64(v)
      break
    case 'm':
      if (Array.isArray(v)) {
        const map = new Map<unknown, unknown>()
        for (const entry of v as unknown[][]) map.set(revive(entry[0]), revive(entry[1]))
        return map
      }
      break
    case 's':
      if (Array.isArray(v)) return new Set(v.map(revive))
      break
    case 'o':
      // The escaped object's own "$pdb" is data: revive its values, never the object itself.
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return reviveProps(v as PlainObject)
      break
  }
  throw new StorageFormatError(
    `Stored value has an unknown or malformed ${TAG} tag ${JSON.stringify(tag)}; it may have been written by a ` +
      `newer PersistDB version.`,
  )
}

function reviveProps(obj: PlainObject): PlainObject {
  const keys = Object.keys(obj)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const value = obj[key]
    if (typeof value === 'object' && value !== null) {
      const revived = revive(value)
      if (revived !== value) obj[key] = revived
    }
  }
  return obj
}

interface BufferStatic {
  from(data: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64'): string }
  from(data: string, encoding: 'base64'): Uint8Array
}

// Looked up per call (cheap) so the module stays runtime-neutral: Node/Bun/Deno have a native Buffer,
// browsers fall back to btoa/atob over binary strings.
function nodeBuffer(): BufferStatic | undefined {
  return (globalThis as unknown as { Buffer?: BufferStatic }).Buffer
}

function toBase64(bytes: Uint8Array): string {
  const B = nodeBuffer()
  if (B !== undefined) return B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let binary = ''
  // Chunked so the spread stays well below engine argument limits.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array {
  const B = nodeBuffer()
  // Copy out of Buffer (a subclass, often a slice of a shared pool) into an exact, standalone Uint8Array.
  if (B !== undefined) return new Uint8Array(B.from(text, 'base64'))
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
