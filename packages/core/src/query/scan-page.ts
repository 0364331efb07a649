import type { SQLiteValue } from '../driver'
import { driverLimits, query, type StorageOp } from '../runner'
import type { StoredRow } from '../store'
import { leadDomainViolations, type LeadOrder } from './compile-order'
import { withRowTypes } from './literals'

/**
 * An ordered, limited page when no persisted index covers the leading order term: SQLite would scan the
 * table once per statement (page, ties, null count, probe), so one statement reads every candidate row's key,
 * leading value and flags in a single pass, and the page, its boundary ties, the null-led rows and the order
 * proof are worked out here. Only the chosen rows' values are then read, by primary key.
 *
 * The answer is the one the indexed plan gives (subset-query.ts `runPage`); undefined means "fall back to
 * the read": a candidate row may break the exact SQL (`__x`), or core may order the leading values
 * differently from SQLite.
 */
export interface ScanPage {
  readonly table: string
  readonly lead: LeadOrder
  readonly limit: number
  readonly offset: number
  /** Columns key, __lead, __x (a violation range holds), __s (the exact condition is TRUE), ordered by __lead. */
  readonly scan: { readonly sql: string; readonly params: readonly SQLiteValue[] }
  readonly knownTypes: boolean
}

// Primary-key lookups per statement (fewer where the driver takes fewer parameters).
const KEYS_PER_READ = 500

interface Candidate {
  readonly key: SQLiteValue
  readonly lead: SQLiteValue
}

export function* runScanPage(
  page: ScanPage,
): StorageOp<{ rows: readonly StoredRow[]; leads: readonly SQLiteValue[] } | undefined> {
  const { lead, limit, offset } = page
  const nulls: Candidate[] = []
  const values: Candidate[] = []
  for (const row of yield* query(page.scan.sql, page.scan.params)) {
    if (Number(row.__x) !== 0) return undefined
    if (Number(row.__s) !== 1) continue
    const candidate = { key: row.key ?? null, lead: row.__lead ?? null }
    if (candidate.lead === null) nulls.push(candidate)
    else values.push(candidate)
  }
  const chosen: Candidate[] = []
  let skip = offset
  let take = limit
  if (lead.nullsFirst && limit > 0) {
    // Null-led rows come first and tie with each other: when the window reaches them, all are needed.
    if (nulls.length > offset) chosen.push(...nulls)
    take = Math.max(0, limit - Math.max(0, nulls.length - offset))
    skip = Math.max(0, offset - nulls.length)
  }
  let orderMatters = take === 0 && limit > 0
  let window: Candidate[] = []
  if (take > 0) {
    window = values.slice(skip, skip + take)
    chosen.push(...window)
    const last = window[window.length - 1]
    if (last && window.length === take) {
      orderMatters = true
      chosen.push(...ties(values, last, skip + window.length, 1))
    }
    if (skip > 0) {
      orderMatters = true
      if (window[0]) chosen.push(...ties(values, window[0], skip - 1, -1))
    }
    if (!lead.nullsFirst && window.length < take) chosen.push(...nulls)
  }
  // Rows were cut: core must be proved to order every candidate's leading value as SQLite did.
  if (orderMatters) {
    const leads = values.map((c) => c.lead)
    const proved = withRowTypes(page.knownTypes, () => leadDomainViolations(lead, leads))
    if (proved === undefined) return undefined
  }
  return { rows: yield* readByKey(page.table, chosen), leads: window.map((c) => c.lead) }
}

/** The rows next to position `from` (walking by `step`) whose leading value equals `boundary`'s. */
function ties(values: readonly Candidate[], boundary: Candidate, from: number, step: 1 | -1): Candidate[] {
  const out: Candidate[] = []
  for (let i = from; i >= 0 && i < values.length && sameValue(values[i]!.lead, boundary.lead); i += step) {
    out.push(values[i]!)
  }
  return out
}

/** SQLite's `=` on two canonical values (the rows are sorted by them, so ties are adjacent). */
function sameValue(a: SQLiteValue, b: SQLiteValue): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b
  if (typeof a === 'number' || typeof a === 'bigint') {
    return (typeof b === 'number' || typeof b === 'bigint') && Number(a) === Number(b)
  }
  if (typeof a === 'string') return a === b
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i])
  }
  return false
}

function* readByKey(table: string, chosen: readonly Candidate[]): StorageOp<readonly StoredRow[]> {
  const keys = [...new Set(chosen.map((c) => c.key))]
  const out: StoredRow[] = []
  const { maxParameters } = yield* driverLimits()
  const perRead = Math.min(KEYS_PER_READ, maxParameters)
  for (let i = 0; i < keys.length; i += perRead) {
    const slice = keys.slice(i, i + perRead)
    const sql = `SELECT key, value, meta FROM ${table} WHERE value IS NOT NULL AND key IN (${slice.map(() => '?').join(', ')})`
    for (const row of yield* query(sql, slice)) {
      out.push({
        key: row.key ?? null,
        value: row.value as string,
        meta: (row.meta ?? null) as string | null,
      })
    }
  }
  return out
}
