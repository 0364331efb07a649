import type { SQLiteRow, SQLiteValue } from './driver'
import { DriverResultError } from './errors'

/**
 * Engines hand results back in their own types: BLOBs as `ArrayBuffer`
 * (op-sqlite, Durable Objects), `number[]` (some bridges), Node `Buffer`;
 * integers as `bigint` (safe-integer modes). Core reads one set of types, so
 * every column of every row goes through here once; a row whose values are
 * already plain is returned as it is (no copy on the hot path).
 */
export function normalizeRows(result: unknown): readonly SQLiteRow[] {
  if (!Array.isArray(result)) {
    throw new DriverResultError(
      `The SQLite driver returned ${describeShape(result)} for a query; expected an array of row objects.`,
    )
  }
  let out: SQLiteRow[] | undefined
  for (let i = 0; i < result.length; i++) {
    const row: unknown = result[i]
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new DriverResultError(
        `The SQLite driver returned row ${i} as ${Array.isArray(row) ? 'an array of values' : describeShape(row)}; ` +
          `expected each row to be an object keyed by column name.`,
      )
    }
    const normalized = normalizeRow(row as Record<string, unknown>)
    if (normalized !== row) {
      out ??= result.slice(0, i) as SQLiteRow[]
    }
    out?.push(normalized)
  }
  return out ?? (result as readonly SQLiteRow[])
}

function normalizeRow(row: Record<string, unknown>): SQLiteRow {
  let copy: Record<string, SQLiteValue> | undefined
  for (const column in row) {
    const value = row[column]
    if (typeof value === 'string' || typeof value === 'number' || value === null) {
      if (copy) copy[column] = value
      continue
    }
    const normalized = normalizeValue(value, column)
    if (normalized !== value && !copy) {
      copy = {}
      for (const earlier in row) {
        if (earlier === column) break
        copy[earlier] = row[earlier] as SQLiteValue
      }
    }
    if (copy) copy[column] = normalized
  }
  return copy ?? (row as SQLiteRow)
}

/** One engine value as core's `SQLiteValue`; anything SQLite cannot have produced is refused. */
export function normalizeValue(value: unknown, column = '?'): SQLiteValue {
  switch (typeof value) {
    case 'string':
    case 'number':
      return value
    case 'bigint':
      return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value
    case 'boolean':
      return value ? 1 : 0
    case 'undefined':
      return null
    case 'object': {
      if (value === null) return null
      if (value instanceof Uint8Array) {
        // A Buffer or other subclass becomes a plain view of the same bytes.
        return value.constructor === Uint8Array
          ? value
          : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      }
      if (value instanceof ArrayBuffer) return new Uint8Array(value)
      if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      if (Array.isArray(value) && value.every(isByte)) return Uint8Array.from(value as number[])
      break
    }
  }
  throw new DriverResultError(
    `The SQLite driver returned ${describeShape(value)} in column "${column}"; expected a string, number, ` +
      `bigint, blob (Uint8Array, ArrayBuffer or byte array) or null.`,
  )
}

function isByte(item: unknown): boolean {
  return typeof item === 'number' && Number.isInteger(item) && item >= 0 && item <= 255
}

export function describeShape(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return `an array of ${value.length} items`
  if (typeof value === 'object') return `an object with keys [${Object.keys(value).slice(0, 5).join(', ')}]`
  return typeof value
}
