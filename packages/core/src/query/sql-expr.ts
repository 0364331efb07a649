import type { IR } from '@tanstack/db'
import { jsonSteps, pathLiteral, refPath } from './json-path'

/**
 * The one canonical SQL expression per field path. Index DDL and every query use exactly this text, so
 * SQLite matches the expression index (failure mode 21).
 *
 * The expression maps a stored JSON value (codec.ts) to a SQLite value whose type class ("region") says
 * which JS type it came from, and whose order within a region is core's order:
 *
 *   NULL        null, undefined (also the tagged one), missing, or read through a nullish/non-object parent
 *   number      finite numbers, ±Infinity (as ±9e999), -0 (as 0)
 *   TEXT        strings (compared BINARY, i.e. by code point)
 *   X'42' 'B0'/'B1'                booleans
 *   X'4E' 'N' + 19 digits          bigints with |n| < 10^18 (offset by 10^18, so bytes sort numerically)
 *   X'54' 'T' + 17 digits          valid Dates (ms offset by 8.64e15)
 *   X'FD'       unknown: the row holds an escaped `$pdb` object somewhere, or a bigint with |n| >= 10^18
 *   X'FE'       arrays, plain objects, Map, Set, Uint8Array (never equal to a literal; coerced in ranges)
 *   X'FF'       NaN and invalid Dates ("unorderable": core sorts them after every other value)
 *
 * SQLite orders NULL < numbers < TEXT < BLOB, so each region is one contiguous range of an index.
 */
export type FieldFn = 'field' | 'lower' | 'upper'

export interface Field {
  readonly fn: FieldFn
  readonly path: readonly string[]
  readonly steps: readonly string[]
}

const ESCAPED_ROW = `instr(value, '"$pdb":"o"')`

/** A field reference (optionally wrapped in lower/upper) whose path SQLite can read exactly. */
export function fieldOf(expression: IR.BasicExpression): Field | undefined {
  if (expression.type === 'ref') return make('field', refPath(expression))
  if (expression.type === 'func' && (expression.name === 'lower' || expression.name === 'upper')) {
    const arg = expression.args[0]
    if (expression.args.length === 1 && arg?.type === 'ref') return make(expression.name, refPath(arg))
  }
  return undefined
}

function make(fn: FieldFn, path: readonly string[]): Field | undefined {
  const steps = jsonSteps(path)
  return steps && { fn, path, steps }
}

/** The same path read without lower/upper. */
export function plainField(field: Field): Field {
  return field.fn === 'field' ? field : { ...field, fn: 'field' }
}

const cache = new Map<string, { canonical: string; plain: string }>()

/**
 * While set (the synchronous extent of one compilation, `withPlainRows`): canonical expressions for which
 * the lighter "plain rows" form may be used. That form leaves out the per-row test for escaped `$pdb`
 * objects (a substring search of the whole row, most of a scan's cost), so it is exact only for a
 * collection whose plain-types marker (store.ts) proves no row holds one, and an index can never serve it.
 */
let plainRows: ((canonical: string) => boolean) | undefined

export function withPlainRows<T>(use: ((canonical: string) => boolean) | undefined, compile: () => T): T {
  const before = plainRows
  plainRows = use
  try {
    return compile()
  } finally {
    plainRows = before
  }
}

/** The expression text for a field (no parameters: the path is inlined): canonical, or its plain-rows form. */
export function fieldSql(field: Field): string {
  const key = `${field.fn}\u0000${field.steps.join('')}`
  let sql = cache.get(key)
  if (sql === undefined) {
    const fold = (base: string) => (field.fn === 'field' ? base : caseSql(base, field.fn))
    sql = { canonical: fold(valueSql(field.steps, true)), plain: fold(valueSql(field.steps, false)) }
    if (cache.size > 1000) cache.clear()
    cache.set(key, sql)
  }
  return plainRows?.(sql.canonical) ? sql.plain : sql.canonical
}

/** The canonical text, whatever the compilation allows (index DDL). */
export function canonicalFieldSql(field: Field): string {
  return withPlainRows(undefined, () => fieldSql(field))
}

/** Guards for `v` / `$pdb` steps below the root: read through a codec tag, core sees undefined. */
function tagGuards(steps: readonly string[]): Array<{ at: number; sql: string }> {
  const guards: Array<{ at: number; sql: string }> = []
  for (let i = 1; i < steps.length; i++) {
    if (steps[i] === '."v"' || steps[i] === '."$pdb"') {
      guards.push({ at: i, sql: `json_extract(value, ${pathLiteral(steps, i, '."$pdb"')}) IS NOT NULL` })
    }
  }
  return guards
}

function valueSql(steps: readonly string[], escapedRows: boolean): string {
  const p = pathLiteral(steps)
  const tag = `json_extract(value, ${pathLiteral(steps, steps.length, '."$pdb"')})`
  const vPath = pathLiteral(steps, steps.length, '."v"')
  const v = `json_extract(value, ${vPath})`
  const date =
    `CASE json_type(value, ${vPath}) WHEN 'integer' ` +
    `THEN CAST('T' || printf('%017d', ${v} + 8640000000000000) AS BLOB) ELSE X'FF' END`
  const bigint =
    `CASE WHEN length(ltrim(${v}, '-')) <= 18 ` +
    `THEN CAST('N' || printf('%019d', CAST(${v} AS INTEGER) + 1000000000000000000) AS BLOB) ELSE X'FD' END`
  const special = `CASE ${v} WHEN 'Infinity' THEN 9e999 WHEN '-Infinity' THEN -9e999 WHEN '-0' THEN 0 ELSE X'FF' END`
  const tagged =
    `CASE ${tag} WHEN 'd' THEN ${date} WHEN 'n' THEN ${bigint} WHEN 'f' THEN ${special} ` +
    `WHEN 'u' THEN NULL ELSE X'FE' END`
  const decoded =
    `CASE json_type(value, ${p}) WHEN 'true' THEN X'4231' WHEN 'false' THEN X'4230' WHEN 'array' THEN X'FE' ` +
    `WHEN 'object' THEN ${tagged} ELSE json_extract(value, ${p}) END`
  const guards = tagGuards(steps)
    .map((g) => ` WHEN ${g.sql} THEN NULL`)
    .join('')
  if (!escapedRows) return guards ? `(CASE${guards} ELSE ${decoded} END)` : `(${decoded})`
  return `(CASE WHEN ${ESCAPED_ROW} THEN X'FD'${guards} ELSE ${decoded} END)`
}

// Characters whose JS case mapping produces ASCII (found by scanning every code point; the query tests
// re-check the lists against the running engine). SQLite's lower()/upper() fold ASCII only, so these are
// mapped first; every other non-ASCII character stays non-ASCII on both sides.
const LOWER_SPECIAL: ReadonlyArray<readonly [string, string]> = [
  ['\u0130', 'i\u0307'],
  ['\u212A', 'k'],
]
const UPPER_SPECIAL: ReadonlyArray<readonly [string, string]> = [
  ['\u00DF', 'SS'],
  ['\u0131', 'I'],
  ['\u0149', '\u02BCN'],
  ['\u017F', 'S'],
  ['\u01F0', 'J\u030C'],
  ['\u1E96', 'H\u0331'],
  ['\u1E97', 'T\u0308'],
  ['\u1E98', 'W\u030A'],
  ['\u1E99', 'Y\u030A'],
  ['\u1E9A', 'A\u02BE'],
  ['\uFB00', 'FF'],
  ['\uFB01', 'FI'],
  ['\uFB02', 'FL'],
  ['\uFB03', 'FFI'],
  ['\uFB04', 'FFL'],
  ['\uFB05', 'ST'],
  ['\uFB06', 'ST'],
]

/** Exposed for the test that re-derives the lists from the running engine. */
export const CASE_SPECIALS = { lower: LOWER_SPECIAL, upper: UPPER_SPECIAL } as const

// Core's lower()/upper() return non-strings unchanged, so only TEXT is folded.
function caseSql(base: string, fn: 'lower' | 'upper'): string {
  let folded = base
  for (const [from, to] of fn === 'lower' ? LOWER_SPECIAL : UPPER_SPECIAL) {
    folded = `replace(${folded}, '${from}', '${to}')`
  }
  return `(CASE WHEN typeof(${base}) = 'text' THEN ${fn}(${folded}) ELSE ${base} END)`
}

/**
 * 1 when core reads `null` at the path (the value, or the first nullish step, is null), else 0.
 * Never NULL: isNull/isUndefined are two-valued in core.
 */
export function isNullSql(field: Field): string {
  const { steps } = field
  const guards = tagGuards(steps)
  const parts: string[] = []
  for (let i = 1; i <= steps.length; i++) {
    const guard = guards.find((g) => g.at === i - 1)
    const isNull = `json_type(value, ${pathLiteral(steps, i)}) IS 'null'`
    parts.push(guard ? `(${isNull} AND NOT (${guard.sql}))` : isNull)
  }
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`
}
