import type { IR } from '@tanstack/db'
import {
  classify,
  eqImages,
  hasLoneSurrogate,
  isAscii,
  literalRegion,
  literalSql,
  NEVER_BLOB,
  ordersLikeJs,
  outsideRegions,
  UNORD_BLOB,
  type Literal,
  type Region,
} from './literals'
import { fieldOf, fieldSql, isNullSql, plainField, type Field } from './sql-expr'
import { andFrags, frag, joinFrags, notFrag, orFrags, type Frag } from './sql'

/**
 * Compiles a boolean IR expression. Each node carries:
 *   sure  SQL with exactly core's three-valued result (TRUE / FALSE / NULL = UNKNOWN), valid for every row
 *         that does not violate one of `violations`; absent when the node cannot be expressed exactly
 *   t, f  supersets of the rows where the node is TRUE, resp. FALSE, valid for every row (undefined = all)
 *   violations  single-range conditions on canonical expressions: rows where `sure` may be wrong
 * `not` swaps t and f, so `not(unsupported)` stays "every row" instead of becoming FALSE; `and` of an
 * unsupported part drops only that part (failure mode 23).
 */
export interface Cond {
  readonly sure?: Frag
  /** SQL equal to NOT sure (same three values), shaped so SQLite can still search an index. */
  readonly neg?: Frag
  readonly t?: Frag
  readonly f?: Frag
  readonly violations: readonly string[]
  readonly inMemory: readonly string[]
  /** eq/in leaves: the values, so an `or` of them on one field becomes one IN list (an index search). */
  readonly eqSet?: { readonly expr: string; readonly images: readonly Frag[] }
}

const ALL_KNOWN: ReadonlySet<Region> = new Set<Region>([
  'num',
  'text',
  'bool',
  'big',
  'date',
  'object',
  'unord',
])
const MAX_IN_ITEMS = 5000

/** What one compilation may put in a statement (the driver's limits, see subset-query.ts). */
export interface WhereLimits {
  readonly maxInItems: number
  readonly maxLikePatternBytes: number
}

const UNLIMITED: WhereLimits = { maxInItems: MAX_IN_ITEMS, maxLikePatternBytes: Number.POSITIVE_INFINITY }
/** Set only for the synchronous extent of one compilation (`withWhereLimits`). */
let limits = UNLIMITED

export function withWhereLimits<T>(next: WhereLimits, compile: () => T): T {
  const before = limits
  limits = {
    maxInItems: Math.min(MAX_IN_ITEMS, next.maxInItems),
    maxLikePatternBytes: next.maxLikePatternBytes,
  }
  try {
    return compile()
  } finally {
    limits = before
  }
}
// Deeply nested and/or/not trees repeat sub-expressions in their superset forms; past this size a part is
// left to memory (over-fetching) instead of sending SQLite a huge statement.
const MAX_SQL = 32_000

function exact(sure: Frag, violations: readonly string[] = [], tIsSure = false, neg = notFrag(sure)): Cond {
  if (violations.length === 0) return { sure, neg, t: sure, f: neg, violations, inMemory: [] }
  const bad = orFrags(violations.map((v) => frag(v)))
  return {
    sure,
    neg,
    t: tIsSure ? sure : orFrags([sure, bad]),
    f: orFrags([neg, bad]),
    violations,
    inMemory: [],
  }
}

function inMemory(what: string, t?: Frag): Cond {
  return { t, violations: [], inMemory: [what] }
}

function unknownRows(expr: string): string[] {
  return outsideRegions(expr, ALL_KNOWN)
}

export function compileWhere(expression: IR.BasicExpression<boolean> | undefined): Cond {
  if (expression === undefined) return exact(frag('1'))
  switch (expression.type) {
    case 'val':
      if (expression.value === true) return exact(frag('1'))
      if (expression.value === false) return exact(frag('0'))
      if (expression.value === null || expression.value === undefined) return exact(frag('NULL'))
      return inMemory('non-boolean constant')
    case 'ref':
      return inMemory('bare field as condition')
    case 'func':
      return compileFunc(expression)
    default:
      return inMemory(`expression type ${String((expression as { type?: unknown }).type)}`)
  }
}

function compileFunc(func: IR.Func): Cond {
  const args = func.args
  switch (func.name) {
    case 'and':
      return combineAnd(args.map((a) => compileWhere(a)))
    case 'or':
      return combineOr(args.map((a) => compileWhere(a)))
    case 'not': {
      if (args.length !== 1) return inMemory('not/arity')
      const c = compileWhere(args[0])
      return bounded({
        sure: c.sure && (c.neg ?? notFrag(c.sure)),
        neg: c.sure,
        t: c.f,
        f: c.t,
        violations: c.violations,
        inMemory: c.inMemory,
      })
    }
    case 'eq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return args.length === 2 ? comparison(func.name, args[0]!, args[1]!) : inMemory(`${func.name}/arity`)
    case 'in':
      return args.length === 2 ? membership(args[0]!, args[1]!) : inMemory('in/arity')
    case 'like':
    case 'ilike':
      return args.length === 2 ? like(func.name, args[0]!, args[1]!) : inMemory(`${func.name}/arity`)
    case 'isNull':
    case 'isUndefined':
      return args.length === 1 ? nullCheck(func.name, args[0]!) : inMemory(`${func.name}/arity`)
    default:
      return inMemory(func.name)
  }
}

export function combineAnd(parts: readonly Cond[]): Cond {
  const sures = parts.map((p) => p.sure)
  const ts = parts.flatMap((p) => (p.t ? [p.t] : []))
  const fs = parts.map((p) => p.f)
  return bounded({
    sure: sures.every((s): s is Frag => s !== undefined) ? andFrags(sures) : undefined,
    t: ts.length > 0 ? andFrags(ts) : undefined,
    f: fs.every((f): f is Frag => f !== undefined) ? orFrags(fs) : undefined,
    violations: parts.flatMap((p) => p.violations),
    inMemory: parts.flatMap((p) => p.inMemory),
  })
}

export function combineOr(parts: readonly Cond[]): Cond {
  const first = parts[0]?.eqSet
  if (first && parts.every((p) => p.eqSet?.expr === first.expr)) {
    return equalsAny(
      first.expr,
      parts.flatMap((p) => p.eqSet!.images),
    )
  }
  const sures = parts.map((p) => p.sure)
  const ts = parts.map((p) => p.t)
  const fs = parts.flatMap((p) => (p.f ? [p.f] : []))
  return bounded({
    sure: sures.every((s): s is Frag => s !== undefined) ? orFrags(sures) : undefined,
    t: ts.every((t): t is Frag => t !== undefined) ? orFrags(ts) : undefined,
    f: fs.length > 0 ? andFrags(fs) : undefined,
    violations: parts.flatMap((p) => p.violations),
    inMemory: parts.flatMap((p) => p.inMemory),
  })
}

/** Drops forms that grew too large: sure -> none, t/f -> every row. Both stay valid supersets. */
function bounded(cond: Cond): Cond {
  const big = (f: Frag | undefined) => f !== undefined && f.sql.length > MAX_SQL
  if (!big(cond.sure) && !big(cond.t) && !big(cond.f)) return cond
  return {
    sure: big(cond.sure) ? undefined : cond.sure,
    t: big(cond.t) ? undefined : cond.t,
    f: big(cond.f) ? undefined : cond.f,
    violations: cond.violations,
    inMemory: [...cond.inMemory, 'condition too large for SQL'],
  }
}

const FLIP = { eq: 'eq', gt: 'lt', gte: 'lte', lt: 'gt', lte: 'gte' } as const
const SQL_OP = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const
type CompareOp = keyof typeof SQL_OP

/** A field on one side, a constant on the other (swapped into field-op-constant form). */
function fieldAndLiteral(
  op: CompareOp,
  left: IR.BasicExpression,
  right: IR.BasicExpression,
): { field: Field; lit: Literal; op: CompareOp } | undefined {
  const direct = fieldOf(left)
  if (direct && right.type === 'val') return { field: direct, lit: classify(right.value), op }
  const swapped = fieldOf(right)
  if (swapped && left.type === 'val') return { field: swapped, lit: classify(left.value), op: FLIP[op] }
  return undefined
}

/** lower()/upper() fold like core only when the other side is ASCII (sql-expr.ts). */
function caseFoldingOk(field: Field, lit: Literal): boolean {
  return field.fn === 'field' || lit.kind !== 'str' || isAscii(lit.s)
}

function comparison(name: CompareOp, left: IR.BasicExpression, right: IR.BasicExpression): Cond {
  const parts = fieldAndLiteral(name, left, right)
  if (!parts) return inMemory(`${name} without a field and a constant`)
  const { field, lit, op } = parts
  if (lit.kind === 'null') return exact(frag('NULL')) // any comparison with null/undefined is UNKNOWN
  if (!caseFoldingOk(field, lit)) return inMemory(`${field.fn}() ${op} non-ASCII string`)
  const expr = fieldSql(field)
  if (op === 'eq') {
    const images = eqImages(lit)
    return images ? equalsAny(expr, images) : inMemory(`eq ${lit.kind} constant`)
  }
  if (lit.kind === 'unord') {
    // NaN / invalid Date: core's unorderable rules need no type assumption: X'FF' is the top of every region.
    const blob = frag(UNORD_BLOB)
    return exact(rangeSql(expr, op, blob), unknownRows(expr), false, rangeSql(expr, NEGATED[op], blob))
  }
  const region = literalRegion(lit)
  const value = literalSql(lit)
  if (!region || !value) return inMemory(`${op} ${lit.kind} constant`)
  if (lit.kind === 'str' && !ordersLikeJs(lit.s)) return inMemory(`${op} string beyond U+D7FF`)
  // Core coerces across types (e.g. 10 > '9'): rows of another type are "violations", over-fetched or probed.
  const violations = outsideRegions(expr, new Set<Region>([region, 'unord']))
  // Every region above numbers is greater than any number, so gt/gte already includes the violations.
  const tIsSure = region === 'num' && (op === 'gt' || op === 'gte')
  // SQLite orders all values totally, so NOT (E > v) is E <= v, also for NULL (both UNKNOWN).
  return exact(rangeSql(expr, op, value), violations, tIsSure, rangeSql(expr, NEGATED[op], value))
}

const NEGATED = { gt: 'lte', gte: 'lt', lt: 'gte', lte: 'gt' } as const

function rangeSql(expr: string, op: Exclude<CompareOp, 'eq'>, value: Frag): Frag {
  return { sql: `${expr} ${SQL_OP[op]} ${value.sql}`, params: value.params }
}

function inList(expr: string, images: readonly Frag[]): Frag {
  const seen = new Set<string>()
  const unique = images.filter((f) => {
    const key = JSON.stringify([f.sql, f.params.map(String)])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  if (unique.length === 0) return frag(`${expr} IN (${NEVER_BLOB})`)
  if (unique.length === 1) return { sql: `${expr} = ${unique[0]!.sql}`, params: unique[0]!.params }
  const list = joinFrags(unique, ', ')
  return { sql: `${expr} IN (${unique.map((u) => u.sql).join(', ')})`, params: list.params }
}

function membership(valueExpr: IR.BasicExpression, listExpr: IR.BasicExpression): Cond {
  const field = fieldOf(valueExpr)
  if (!field || listExpr.type !== 'val' || !Array.isArray(listExpr.value))
    return inMemory('in without a field and a constant list')
  const items = listExpr.value as unknown[]
  if (items.length > limits.maxInItems) return inMemory('in with a longer list than the driver takes')
  const images: Frag[] = []
  for (const item of items) {
    const lit = classify(item)
    if (lit.kind === 'null') continue // core drops nullish items from a constant list
    const found = caseFoldingOk(field, lit) ? eqImages(lit) : undefined
    if (!found) return inMemory(`in with a ${lit.kind} item`)
    images.push(...found)
  }
  return equalsAny(fieldSql(field), images)
}

function equalsAny(expr: string, images: readonly Frag[]): Cond {
  return { ...exact(inList(expr, images), unknownRows(expr)), eqSet: { expr, images } }
}

function nullCheck(name: 'isNull' | 'isUndefined', arg: IR.BasicExpression): Cond {
  const found = fieldOf(arg)
  if (!found) return inMemory(`${name} of a computed value`)
  // lower()/upper() return nullish values unchanged.
  const field = plainField(found)
  const expr = fieldSql(field)
  const nullSql = isNullSql(field)
  // The `expr IS NULL` conjunct is implied (core sees null or undefined exactly when expr is NULL) and
  // lets SQLite search an index on the field.
  const sure = name === 'isNull' ? `${expr} IS NULL AND ${nullSql}` : `${expr} IS NULL AND NOT ${nullSql}`
  return exact(frag(sure), unknownRows(expr))
}

function like(name: 'like' | 'ilike', valueExpr: IR.BasicExpression, patternExpr: IR.BasicExpression): Cond {
  let field = fieldOf(valueExpr)
  if (!field || patternExpr.type !== 'val') return inMemory(`${name} without a field and a constant pattern`)
  const raw: unknown = patternExpr.value
  if (raw === null || raw === undefined) return exact(frag('NULL'))
  if (typeof raw !== 'string' || hasLoneSurrogate(raw)) return inMemory(`${name} pattern`)
  let pattern = raw
  if (name === 'ilike') {
    // Core lowercases value and pattern; only ASCII patterns match the same under SQLite's folding.
    if (field.fn === 'upper') return inMemory('ilike of upper()')
    field = { ...field, fn: 'lower' }
    pattern = raw.toLowerCase()
    if (!isAscii(pattern)) return inMemory('ilike non-ASCII pattern')
  } else if (field.fn !== 'field' && !isAscii(pattern)) {
    return inMemory(`like ${field.fn}() non-ASCII pattern`)
  }
  const expr = fieldSql(field)
  const glob = toGlob(pattern)
  if (utf8Bytes(glob.glob) > limits.maxLikePatternBytes)
    return inMemory(`${name} pattern longer than the driver takes`)
  // The literal prefix as a range (SQLite does not apply its LIKE/GLOB range optimisation to expressions);
  // it also rejects non-strings, which never match in core.
  const upper = successor(glob.prefix)
  const range: Frag = {
    sql: `${expr} >= ? AND ${expr} < ${upper === undefined ? "X''" : '?'}`,
    params: upper === undefined ? [glob.prefix] : [glob.prefix, upper],
  }
  const match = andFrags([range, frag(`${expr} GLOB ?`, [glob.glob])])
  if (!glob.underscore) return exact(match, unknownRows(expr))
  // `_` is one UTF-16 unit in core but one code point in GLOB: a `*` in its place over-fetches.
  return inMemory(`${name} with _`, orFrags([match, ...unknownRows(expr).map((v) => frag(v))]))
}

function toGlob(pattern: string): { glob: string; prefix: string; underscore: boolean } {
  let glob = ''
  let prefix = ''
  let inPrefix = true
  let underscore = false
  for (const ch of pattern) {
    if (ch === '%' || ch === '_') {
      inPrefix = false
      underscore ||= ch === '_'
      glob += '*'
      continue
    }
    if (inPrefix) prefix += ch
    glob += ch === '*' || ch === '?' || ch === '[' ? `[${ch}]` : ch
  }
  return { glob, prefix, underscore }
}

/** The smallest string greater than every string that starts with `prefix` (code point order). */
function successor(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0)!)
  while (points.length > 0) {
    const last = points.pop()!
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1
      return String.fromCodePoint(...points, next)
    }
  }
  return undefined
}

function utf8Bytes(text: string): number {
  return text.length * 3 <= limits.maxLikePatternBytes ? text.length : new TextEncoder().encode(text).length
}
