import { inspect } from 'node:util'

/**
 * How `rows` shows decoded values. On a terminal: Node's own inspect, which already shows every type the
 * codec restores (Date, 12n, Uint8Array(3) [ 1, 2, 3 ], Map, Set, undefined, -0, NaN). With --json: JSON
 * in which each value JSON cannot hold is one object with a single `$type` key, so nothing is
 * approximated (a Date is not a string, a bigint not a number):
 *
 *   {"$date": "2024-05-01T10:00:00.000Z"} (or null when invalid)   {"$bigint": "123"}
 *   {"$bytes": "<base64>"}   {"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}   {"$undefined": true}
 *   {"$map": [[key, value], ...]}   {"$set": [...]}   {"$object": {...}} (a plain object with a `$` key)
 */
export function renderHuman(value: unknown): string {
  return inspect(value, { depth: null, colors: false, breakLength: Infinity, maxArrayLength: 50 })
}

export function toTypedJson(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
      return { $undefined: true }
    case 'bigint':
      return { $bigint: value.toString() }
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: numberName(value) }
    case 'object':
      return value === null ? null : objectToJson(value)
    default:
      return value
  }
}

function objectToJson(value: object): unknown {
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? null : value.toISOString() }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') }
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toTypedJson(k), toTypedJson(v)]) }
  if (value instanceof Set) return { $set: [...value].map(toTypedJson) }
  if (Array.isArray(value)) return value.map(toTypedJson)
  const out: Record<string, unknown> = {}
  let dollar = false
  for (const [key, item] of Object.entries(value)) {
    dollar ||= key.startsWith('$')
    out[key] = toTypedJson(item)
  }
  return dollar ? { $object: out } : out
}

function numberName(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value)
}
