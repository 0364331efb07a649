import type { LoadSubsetOptions, StringCollationConfig } from '@tanstack/db'
import { DEFAULT_SQLITE_LIMITS, type SQLiteLimits, type SQLiteRow, type SQLiteValue } from '../driver'
import { driverLimits, query, type StorageOp } from '../runner'
import { hasPlainTypes, type StoredRow } from '../store'
import { withRowTypes } from './literals'
import { leadDomainViolations, leadOrder, orderClause, type LeadOrder } from './compile-order'
import { combineAnd, combineOr, compileWhere, withWhereLimits, type Cond } from './compile-where'
import { indexName, persistedIndexNames } from './indexes'
import { withPlainRows } from './sql-expr'
import { runScanPage, type ScanPage } from './scan-page'
import { andFrags, checkRowsTable, frag, orFrags, type Frag } from './sql'
import { fits, statementBytes } from './plan-limits'
import type { PagePlan, ReadPlan, Statement } from './subset-plan'
import { textPrefilter } from './text-prefilter'

export type { Statement } from './subset-plan'

/**
 * Turns a loadSubset request into SQL over one collection's rows table. The answer is always a superset of
 * the rows core needs (core re-filters; over-fetching is safe, under-fetching is a bug):
 *
 * - "read": the rows matching the exact SQL of the request plus, with UNION ALL, every row where that SQL
 *   might be wrong (a value of another type than the constants it is compared with, see compile-where.ts).
 *   Without an exact form, the superset condition alone. No ORDER BY / LIMIT: core orders and cuts.
 * - "page" (limit + orderBy, WHERE and cursor exact): ORDER BY the leading term, LIMIT/OFFSET, then every
 *   tie of the boundary row, all null-led rows that belong to the window, and the cursor's current-value
 *   rows. A probe then proves that no candidate row breaks the exactness or the order assumptions; if one
 *   does, the plan falls back to the read.
 */
export type SubsetCompareOptions = StringCollationConfig

export interface CompiledSubset {
  /** The main statement: the ordered, limited page when `limitPushed`, else the read. */
  readonly sql: string
  readonly params: readonly SQLiteValue[]
  /**
   * SQL answers the request exactly (no part is left to memory) and, when the request has a limit, ORDER BY,
   * LIMIT, OFFSET and the cursor are pushed. Runtime probes may still fall back to the over-fetching read.
   */
  readonly exact: boolean
  readonly limitPushed: boolean
  /** Parts of the request SQL cannot express; they are over-fetched and evaluated by core. */
  readonly inMemory: readonly string[]
  readonly plan: ReadPlan | PagePlan
}

export interface SubsetResult {
  readonly rows: readonly StoredRow[]
  /** The rows are exactly the matching rows (or the exact page with its ties). */
  readonly exact: boolean
  /** ORDER BY/LIMIT ran in SQL (false when the plan or its runtime checks chose the read). */
  readonly limitPushed: boolean
  /**
   * Leading values (canonical) every matching row of which is in `rows`: the page's own values (the
   * boundaries come with their ties), or 'all' for a read (a superset of the matching rows).
   */
  readonly covered: readonly SQLiteValue[] | 'all'
}

/** The rows of a subset read, and which leading values they cover (see SubsetResult). */
export interface SubsetAnswer {
  readonly rows: readonly StoredRow[]
  readonly covered: readonly SQLiteValue[] | 'all'
}

const COLUMNS = 'key, value, meta'
const MAX_PROBE_FILTER = 8_000
const LIVE = 'value IS NOT NULL'

export interface CompileOptions {
  /** No row of the collection reads as "unknown" (store.ts records it): that region needs no probe. */
  readonly knownTypes?: boolean
  /**
   * Names of the collection's persisted indexes (indexes.ts). Without an index on an expression, every
   * statement costs a scan of the table, so the plan reads in one pass instead of one range per statement.
   * Absent: plan as if every expression were indexed.
   */
  readonly indexes?: ReadonlySet<string>
  /** The driver's limits; every statement of the plan stays within them. */
  readonly limits?: SQLiteLimits
}

export function compileSubset(
  table: string,
  request: LoadSubsetOptions,
  compare?: SubsetCompareOptions,
  options: CompileOptions = {},
): CompiledSubset {
  const knownTypes = options.knownTypes === true
  const { indexes } = options
  const num = checkRowsTable(table)
  // An expression no index serves is evaluated per row; with the marker, in its lighter exact form.
  const plain = knownTypes && indexes ? (expr: string) => !indexes.has(indexName(num, expr)) : undefined
  const limits = options.limits ?? DEFAULT_SQLITE_LIMITS
  const attempt = (req: LoadSubsetOptions, maxInItems: number) =>
    withWhereLimits({ maxInItems, maxLikePatternBytes: limits.maxLikePatternBytes }, () =>
      withRowTypes(knownTypes, () =>
        withPlainRows(plain, () => compile(table, req, compare, knownTypes, indexes)),
      ),
    )
  // Long IN lists are the parameters a request can multiply: shorten what SQL gets until the plan fits
  // the driver (the rest is over-fetched and filtered by core), and read everything as the last resort.
  for (let maxInItems = limits.maxParameters; ; maxInItems = Math.floor(maxInItems / 2)) {
    const compiled = attempt(request, maxInItems)
    if (fits(compiled.plan, limits)) return compiled
    if (maxInItems === 0) break
  }
  const all = attempt({}, 0)
  return { ...all, exact: false, inMemory: [...all.inMemory, 'a request larger than the driver takes'] }
}

function compile(
  table: string,
  request: LoadSubsetOptions,
  compare: SubsetCompareOptions | undefined,
  knownTypes: boolean,
  indexes: ReadonlySet<string> | undefined,
): CompiledSubset {
  const num = checkRowsTable(table)
  const indexed = (expr: string) => indexes === undefined || indexes.has(indexName(num, expr))
  const where = compileWhere(request.where)
  const from = request.cursor && compileWhere(request.cursor.whereFrom)
  const current = request.cursor && compileWhere(request.cursor.whereCurrent)
  const all = from && current ? combineAnd([where, combineOr([from, current])]) : where
  const inMemory = [...new Set(all.inMemory)]
  // Statements that scan the table first skip the rows a cheap substring test rules out.
  const prefilter = textPrefilter(request.where)
  const read = readPlan(table, all, indexes !== undefined && indexes.size === 0, prefilter)
  const limit = request.limit
  const lead = leadOrder(request.orderBy, compare)
  const pushable =
    lead !== undefined &&
    limit !== undefined &&
    Number.isSafeInteger(limit) &&
    limit >= 0 &&
    where.sure !== undefined &&
    (!from || (from.sure !== undefined && current?.sure !== undefined))
  if (!pushable) return { ...read.statement, exact: read.exact, limitPushed: false, inMemory, plan: read }

  const base = andFrags([frag(LIVE), where.sure!])
  const pageFilter = from ? andFrags([base, from.sure!]) : base
  const offset = from ? 0 : Math.max(0, Math.trunc(request.offset ?? 0))
  const page = select(table, pageFilter, `${lead.expr} IS NOT NULL`, `, ${lead.expr} AS __lead`)
  const plan: PagePlan = {
    kind: 'page',
    table,
    lead,
    limit,
    offset,
    page: { sql: `${page.sql} ${orderClause(lead)} LIMIT ? OFFSET ?`, params: page.params },
    nulls: select(table, pageFilter, `${lead.expr} IS NULL`),
    nullCount: {
      sql: `SELECT count(*) AS n FROM ${table} WHERE (${pageFilter.sql}) AND ${lead.expr} IS NULL`,
      params: pageFilter.params,
    },
    ties: select(table, pageFilter, `${lead.expr} = (SELECT ${lead.expr} FROM ${table} WHERE key = ?)`),
    current: current && select(table, andFrags([base, current.sure!])),
    // The probes only look at candidate rows, unless that filter would make them large.
    superset: probeSuperset(all),
    violations: [...new Set(all.violations)],
    fallback: read,
    knownTypes,
    ...(from || indexed(lead.expr)
      ? {}
      : {
          scan: scanPage(
            table,
            lead,
            limit,
            offset,
            where.sure!,
            probeSuperset(all),
            all.violations,
            knownTypes,
            prefilter,
          ),
        }),
  }
  return {
    sql: plan.page.sql,
    params: [...plan.page.params, limit, offset],
    exact: true,
    limitPushed: true,
    inMemory,
    plan,
  }
}

function probeSuperset(cond: Cond): Frag {
  return cond.t && cond.t.sql.length <= MAX_PROBE_FILTER ? cond.t : frag('1')
}

function scanPage(
  table: string,
  lead: LeadOrder,
  limit: number,
  offset: number,
  sure: Frag,
  superset: Frag,
  violations: readonly string[],
  knownTypes: boolean,
  prefilter: Frag | undefined,
): ScanPage {
  const unique = [...new Set(violations)]
  const x =
    unique.length === 0 ? '0' : `CASE WHEN ${orFrags(unique.map((v) => frag(v))).sql} THEN 1 ELSE 0 END`
  const dir = lead.desc ? 'DESC' : 'ASC'
  const filter = andFrags([frag(LIVE), ...(prefilter ? [prefilter] : []), superset])
  // Where the superset is the exact condition itself, every row the scan returns satisfies it: no need to
  // evaluate it a second time per row.
  const same = sure.sql === superset.sql && sameParams(sure.params, superset.params)
  const s: Frag = same ? frag('1') : frag(`CASE WHEN ${sure.sql} THEN 1 ELSE 0 END`, sure.params)
  return {
    table,
    lead,
    limit,
    offset,
    scan: {
      sql:
        `SELECT key, ${lead.expr} AS __lead, ${x} AS __x, ${s.sql} AS __s ` +
        `FROM ${table} WHERE ${filter.sql} ORDER BY __lead ${dir}, key ${dir}`,
      params: [...s.params, ...filter.params],
    },
    knownTypes,
  }
}

function sameParams(a: readonly SQLiteValue[], b: readonly SQLiteValue[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]))
}

function select(table: string, filter: Frag, extra?: string, columns = ''): Statement {
  const where = extra ? `(${filter.sql}) AND ${extra}` : filter.sql
  return { sql: `SELECT ${COLUMNS}${columns} FROM ${table} WHERE ${where}`, params: filter.params }
}

function readPlan(table: string, cond: Cond, onePass = false, prefilter?: Frag): ReadPlan {
  // Without any index every statement scans: the substring test spares the JSON work on most rows.
  const live = onePass && prefilter ? andFrags([frag(LIVE), prefilter]) : frag(LIVE)
  const superset = cond.t ?? frag('1')
  if (!cond.sure) {
    return {
      kind: 'read',
      statement: select(table, andFrags([live, superset]), undefined, ', 1 AS __v'),
      exact: false,
    }
  }
  const violations = [...new Set(cond.violations)]
  if (onePass && violations.length > 0) {
    // No index to search: one scan finds the exact rows and the rows where the exact SQL might be wrong.
    const bad = orFrags(violations.map((v) => frag(v)))
    return {
      kind: 'read',
      statement: select(
        table,
        andFrags([live, orFrags([cond.sure, bad])]),
        undefined,
        `, CASE WHEN ${bad.sql} THEN 1 ELSE 0 END AS __v`,
      ),
      exact: true,
    }
  }
  const parts = [select(table, andFrags([live, cond.sure]), undefined, ', 0 AS __v')]
  // Every row where the exact SQL might be wrong, whatever the rest of the condition says (such rows are
  // rare; keeping the statement small matters more). One range per part: SQLite searches an expression
  // index for it, where an OR of ranges would scan.
  for (const violation of violations) {
    parts.push(select(table, frag(`${LIVE} AND ${violation}`), undefined, ', 1 AS __v'))
  }
  return {
    kind: 'read',
    statement: { sql: parts.map((p) => p.sql).join(' UNION ALL '), params: parts.flatMap((p) => p.params) },
    exact: true,
  }
}

/** Storage op: a superset of the rows core needs for `request`, metadata-only rows excluded. */
export function* querySubset(
  table: string,
  request: LoadSubsetOptions,
  compare?: SubsetCompareOptions,
): StorageOp<SubsetAnswer> {
  // Read before the rows: a writer adding an "unknown" row after this read is caught by the change log.
  const num = checkRowsTable(table)
  const knownTypes = yield* hasPlainTypes(num)
  const indexes = yield* persistedIndexNames(num)
  const limits = yield* driverLimits()
  const compiled = compileSubset(table, request, compare, { knownTypes, indexes, limits })
  const { rows, covered } = yield* runSubset(compiled)
  return { rows, covered }
}

/** Runs a compiled plan; also reports whether the answer came out exact and whether the limit was pushed. */
export function* runSubset(compiled: CompiledSubset): StorageOp<SubsetResult> {
  const { plan } = compiled
  if (plan.kind === 'read') return yield* runRead(plan)
  return (yield* runPage(plan)) ?? (yield* runRead(plan.fallback))
}

function* runRead(plan: ReadPlan): StorageOp<SubsetResult> {
  const rows = yield* query(plan.statement.sql, plan.statement.params)
  const out = new Rows()
  let exact = plan.exact
  for (const row of rows) {
    if (row.__v !== 0) exact = false
    out.add(row)
  }
  return { rows: out.list(), exact, limitPushed: false, covered: 'all' }
}

function* runPage(plan: PagePlan): StorageOp<SubsetResult | undefined> {
  if (plan.scan) {
    const page = yield* runScanPage(plan.scan)
    return page && { rows: page.rows, exact: true, limitPushed: true, covered: page.leads }
  }
  const out = new Rows()
  const { lead, limit, offset } = plan
  let skip = offset
  let take = limit
  if (lead.nullsFirst && limit > 0) {
    const counted = yield* query(plan.nullCount.sql, plan.nullCount.params)
    const nulls = Number(counted[0]?.n ?? 0)
    // Null-led rows come first and tie with each other: when the window reaches them, all are needed.
    if (nulls > offset) for (const row of yield* query(plan.nulls.sql, plan.nulls.params)) out.add(row)
    take = Math.max(0, limit - Math.max(0, nulls - offset))
    skip = Math.max(0, offset - nulls)
  }
  // Leading values SQLite ordered; when rows were cut, core must be proved to order them the same way.
  const leads: SQLiteValue[] = []
  // Null-led rows filled the window: a row of unknown type might still be null to core.
  let orderMatters = take === 0 && limit > 0
  if (take > 0) {
    const rows = yield* query(plan.page.sql, [...plan.page.params, take, skip])
    for (const row of rows) {
      out.add(row)
      leads.push(row.__lead ?? null)
    }
    const last = rows[rows.length - 1]
    if (last && rows.length === take) {
      orderMatters = true
      for (const row of yield* query(plan.ties.sql, [...plan.ties.params, last.key ?? null])) out.add(row)
    }
    if (skip > 0) {
      orderMatters = true
      const first = rows[0]
      if (first)
        for (const row of yield* query(plan.ties.sql, [...plan.ties.params, first.key ?? null])) out.add(row)
    }
    if (!lead.nullsFirst && rows.length < take) {
      for (const row of yield* query(plan.nulls.sql, plan.nulls.params)) out.add(row)
    }
  }
  if (plan.current) for (const row of yield* query(plan.current.sql, plan.current.params)) out.add(row)
  const probes = [...plan.violations]
  if (orderMatters) {
    const outside = withRowTypes(plan.knownTypes, () => leadDomainViolations(lead, leads))
    if (outside === undefined) return undefined
    probes.push(...outside)
  }
  if (probes.length > 0 && (yield* anyRow(plan.table, [...new Set(probes)], plan.superset))) return undefined
  return { rows: out.list(), exact: true, limitPushed: true, covered: leads }
}

/** True when some candidate row (superset filter) lies in one of the given ranges. */
function* anyRow(table: string, ranges: readonly string[], candidates: Frag): StorageOp<boolean> {
  const { maxParameters, maxStatementBytes } = yield* driverLimits()
  // Looking at every row instead of the candidates is a broader probe: never a wrong answer.
  const narrow =
    ranges.length * candidates.params.length <= maxParameters &&
    statementBytes(candidates.sql) * ranges.length < maxStatementBytes / 2
  const superset = narrow ? candidates : frag('1')
  const exists = ranges.map(
    (range) => `EXISTS (SELECT 1 FROM ${table} WHERE ${LIVE} AND ${range} AND (${superset.sql}))`,
  )
  const params = ranges.flatMap(() => superset.params)
  const rows = yield* query(`SELECT ${exists.join(' OR ')} AS found`, params)
  return Number(rows[0]?.found ?? 1) !== 0
}

/** Collects rows by key (a row can come back from several statements). */
class Rows {
  private readonly byKey = new Map<SQLiteValue, StoredRow>()

  add(row: SQLiteRow): void {
    const key = row.key ?? null
    if (this.byKey.has(key)) return
    this.byKey.set(key, { key, value: row.value as string, meta: (row.meta ?? null) as string | null })
  }

  list(): StoredRow[] {
    return [...this.byKey.values()]
  }
}
