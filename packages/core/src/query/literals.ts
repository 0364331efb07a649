import type { SQLiteValue } from '../driver'
import { frag, sqlBlob, type Frag } from './sql'

/**
 * Literal values from the IR, classified the way core compares them, and encoded into the canonical
 * expression's value space (sql-expr.ts): numbers and strings are bound, tagged types become inline blobs.
 */
export type Region = 'num' | 'text' | 'bool' | 'big' | 'date' | 'unknown' | 'object' | 'unord'

export type Literal =
  | { readonly kind: 'null' }
  | { readonly kind: 'unord' }
  | { readonly kind: 'other' }
  | { readonly kind: 'num'; readonly n: number }
  | { readonly kind: 'str'; readonly s: string }
  | { readonly kind: 'bool'; readonly b: boolean }
  | { readonly kind: 'big'; readonly v: bigint }
  | { readonly kind: 'date'; readonly ms: number }

const DATE_OFFSET = 8_640_000_000_000_000
const BIG_LIMIT = 10n ** 18n

export function classify(value: unknown): Literal {
  if (value === null || value === undefined) return { kind: 'null' }
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? { kind: 'unord' } : { kind: 'num', n: value === 0 ? 0 : value }
    case 'string':
      return { kind: 'str', s: value }
    case 'boolean':
      return { kind: 'bool', b: value }
    case 'bigint':
      return { kind: 'big', v: value }
    default:
      if (value instanceof Date) {
        const ms = value.getTime()
        return Number.isNaN(ms) ? { kind: 'unord' } : { kind: 'date', ms }
      }
      return { kind: 'other' }
  }
}

/** Region of a literal whose value lives in one region, for range comparisons. */
export function literalRegion(lit: Literal): Region | undefined {
  switch (lit.kind) {
    case 'num':
      return 'num'
    case 'str':
      return 'text'
    case 'bool':
      return 'bool'
    case 'big':
      return 'big'
    case 'date':
      return 'date'
    default:
      return undefined
  }
}

function numberSql(n: number): Frag {
  // Infinity cannot be bound portably; SQLite reads 9e999 as an infinite REAL.
  if (n === Infinity) return frag('9e999')
  if (n === -Infinity) return frag('-9e999')
  return frag('?', [n])
}

export function dateBlob(ms: number): string {
  return sqlBlob('T' + String(ms + DATE_OFFSET).padStart(17, '0'))
}

export function isSmallBigint(v: bigint): boolean {
  return v < BIG_LIMIT && v > -BIG_LIMIT
}

function bigBlob(v: bigint): string {
  return sqlBlob('N' + (v + BIG_LIMIT).toString().padStart(19, '0'))
}

export const UNORD_BLOB = `X'FF'`
/** A blob the canonical expression never produces: `E IN (NEVER)` is 0 for values, NULL for NULL. */
export const NEVER_BLOB = `X'00'`

/** The literal in the canonical value space, when it has a single exact image there. */
export function literalSql(lit: Literal): Frag | undefined {
  switch (lit.kind) {
    case 'num':
      return numberSql(lit.n)
    case 'str':
      return frag('?', [lit.s])
    case 'bool':
      return frag(lit.b ? `X'4231'` : `X'4230'`)
    case 'big':
      return isSmallBigint(lit.v) ? frag(bigBlob(lit.v)) : undefined
    case 'date':
      return frag(dateBlob(lit.ms))
    case 'unord':
      return frag(UNORD_BLOB)
    default:
      return undefined
  }
}

/**
 * Every canonical value core's `eq` (normalizeValue, then ===) finds equal to the literal: a number also
 * equals a Date with that many ms, and a Date equals that number. `undefined` = not pushable.
 */
export function eqImages(lit: Literal): Frag[] | undefined {
  switch (lit.kind) {
    case 'num':
      return Number.isInteger(lit.n) && Math.abs(lit.n) <= DATE_OFFSET
        ? [numberSql(lit.n), frag(dateBlob(lit.n))]
        : [numberSql(lit.n)]
    case 'date':
      return [frag(dateBlob(lit.ms)), numberSql(lit.ms)]
    case 'str':
      return hasLoneSurrogate(lit.s) ? undefined : [frag('?', [lit.s])]
    case 'big':
      // A stored bigint beyond 10^18 reads as "unknown" (X'FD'), which the caller always over-fetches.
      return isSmallBigint(lit.v) ? [frag(bigBlob(lit.v))] : []
    case 'bool':
    case 'unord':
      return [literalSql(lit)!]
    default:
      return undefined
  }
}

/** Lone surrogates do not survive every driver's UTF-8 conversion the same way. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)
}

/**
 * JS compares strings by UTF-16 code unit, SQLite by code point: they disagree only between supplementary
 * characters and U+E000..U+FFFF. A literal made of characters below U+D800 orders identically either way.
 */
export function ordersLikeJs(s: string): boolean {
  return !/[\uD800-\uFFFF]/.test(s)
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

// ---- Regions: contiguous ranges of the canonical expression, in SQLite order ----

/**
 * Whether rows of the collection being compiled may read as "unknown" (X'FD'). The write path records
 * per collection that none does (store.ts, `plainTypesKey`); then that region is empty and costs no probe.
 * Set only for the synchronous extent of a compilation (`withRowTypes`).
 */
let unknownMayLive = true

export function withRowTypes<T>(knownTypes: boolean, compile: () => T): T {
  const before = unknownMayLive
  unknownMayLive = !knownTypes
  try {
    return compile()
  } finally {
    unknownMayLive = before
  }
}

const SEGMENTS: ReadonlyArray<readonly [Region | 'gap', string | null, string | null]> = [
  ['num', null, "''"],
  ['text', "''", "X''"],
  ['gap', "X''", "X'42'"],
  ['bool', "X'42'", "X'43'"],
  ['gap', "X'43'", "X'4E'"],
  ['big', "X'4E'", "X'4F'"],
  ['gap', "X'4F'", "X'54'"],
  ['date', "X'54'", "X'55'"],
  ['gap', "X'55'", "X'FD'"],
  ['unknown', "X'FD'", "X'FE'"],
  ['object', "X'FE'", "X'FF'"],
  ['unord', "X'FF'", null],
]

/**
 * Single-range conditions on `expr`, one per maximal run of regions outside `allowed`. A single range per
 * statement is what lets SQLite search an expression index (an OR of ranges falls back to a scan).
 */
export function outsideRegions(expr: string, allowed: ReadonlySet<Region>): string[] {
  const ranges: string[] = []
  let open = false
  let start: string | null = null
  let end: string | null = null
  const close = () => {
    if (!open) return
    open = false
    if (start === null && end === null) ranges.push(`${expr} IS NOT NULL`)
    else if (start === null) ranges.push(`${expr} < ${end}`)
    else if (end === null) ranges.push(`${expr} >= ${start}`)
    else ranges.push(`${expr} >= ${start} AND ${expr} < ${end}`)
  }
  for (const [region, lo, hi] of SEGMENTS) {
    if (region === 'gap' || (region === 'unknown' && !unknownMayLive)) {
      // Nothing lives in a gap: it only widens a range that is open anyway.
      if (open) end = hi
    } else if (allowed.has(region)) {
      close()
    } else {
      if (!open) {
        open = true
        start = lo
      }
      end = hi
    }
  }
  close()
  return ranges
}

/** Region of a canonical value read back from SQLite (the lead value of an ordered page). */
export function regionOfStored(value: SQLiteValue): Region | undefined {
  if (value === null) return undefined
  if (typeof value === 'number' || typeof value === 'bigint') return 'num'
  if (typeof value === 'string') return 'text'
  switch (value[0]) {
    case 0x42:
      return 'bool'
    case 0x4e:
      return 'big'
    case 0x54:
      return 'date'
    case 0xfd:
      return 'unknown'
    case 0xfe:
      return 'object'
    case 0xff:
      return 'unord'
    default:
      return 'unknown'
  }
}
