import type { LoadSubsetOptions } from '@tanstack/db'

/**
 * A stable identity for a subset request: the same where / orderBy / limit /
 * offset / cursor give the same key. Values that JSON cannot tell apart
 * (Dates, bigints, undefined, NaN) are tagged so that different requests never
 * share a key.
 */
export function subsetKey(options: LoadSubsetOptions): string {
  const { where, orderBy, limit, offset, cursor } = options
  return JSON.stringify({ where, orderBy, limit, offset, cursor }, replacer)
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify calls toJSON before the replacer; read the raw value from the holder.
  const raw = (this as Record<string, unknown>)[key]
  if (raw instanceof Date) return { $date: raw.getTime() }
  switch (typeof raw) {
    case 'bigint':
      return { $bigint: raw.toString() }
    case 'undefined':
      return key === '' ? value : { $undefined: true }
    case 'number':
      return Number.isFinite(raw) && !Object.is(raw, -0)
        ? raw
        : { $number: String(Object.is(raw, -0) ? '-0' : raw) }
    case 'function':
    case 'symbol':
      return undefined
    default:
      return value
  }
}
