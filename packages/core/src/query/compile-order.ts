import type { IR, StringCollationConfig } from '@tanstack/db'
import type { SQLiteValue } from '../driver'
import { outsideRegions, regionOfStored, type Region } from './literals'
import { fieldOf, fieldSql } from './sql-expr'

/**
 * ORDER BY pushdown. Only the leading order term matters: a page returns every row whose leading value is
 * before or equal to the boundary (ties included), so trailing terms never change which rows are needed.
 *
 * SQLite's order of the canonical expression is core's order only within one "domain" of values: numbers
 * (with NaN), Dates (with invalid Dates), lexical strings, booleans or small bigints, plus nulls. Core
 * orders mixed types inconsistently (10 vs '9' coerces; an index compares type names), and sorts strings
 * with localeCompare by default. So the domain is read off the page SQLite returned and then proved for
 * every candidate row with index-range probes; any doubt falls back to an unlimited read.
 */
export interface LeadOrder {
  readonly expr: string
  readonly desc: boolean
  readonly nullsFirst: boolean
  readonly lexicalStrings: boolean
}

export function leadOrder(
  orderBy: IR.OrderBy | undefined,
  compare: StringCollationConfig | undefined,
): LeadOrder | undefined {
  const clause = orderBy?.[0]
  if (!clause) return undefined
  const field = fieldOf(clause.expression)
  // lower()/upper() fold like core for ASCII only, so their order is not pushed.
  if (!field || field.fn !== 'field') return undefined
  const options = clause.compareOptions
  const stringSort = options.stringSort ?? compare?.stringSort ?? 'locale'
  return {
    expr: fieldSql(field),
    desc: options.direction === 'desc',
    nullsFirst: options.nulls !== 'last',
    lexicalStrings: stringSort === 'lexical',
  }
}

/** `ORDER BY` for the non-null part; the key tie-break keeps numeric keys numeric (9 before 10). */
export function orderClause(lead: LeadOrder): string {
  const dir = lead.desc ? 'DESC' : 'ASC'
  return `ORDER BY ${lead.expr} ${dir}, key ${dir}`
}

// Where JS (UTF-16 units) and SQLite (code points) may disagree (supplementary characters versus
// U+E000..U+FFFF, lone surrogates): a page holding such a leading string is not trusted.
const DISAGREEING_TEXT = /[\uD800-\uFFFF]/

/**
 * Range conditions that find a row breaking the domain of the returned leading values, or undefined when
 * the page itself already shows SQLite's order may differ from core's.
 */
export function leadDomainViolations(lead: LeadOrder, leads: readonly SQLiteValue[]): string[] | undefined {
  const kinds = new Set<Region>()
  let unorderable = false
  for (const value of leads) {
    const region = regionOfStored(value)
    if (region === undefined) continue
    if (region === 'unord') unorderable = true
    else kinds.add(region)
  }
  if (kinds.size > 1 || kinds.has('unknown') || kinds.has('object')) return undefined
  const kind = [...kinds][0]
  let allowed: Region[]
  switch (kind) {
    case undefined:
      // Only nulls or unorderables were returned: the rest must sort after them in core too.
      allowed = unorderable
        ? ['num', 'date', 'unord']
        : ['num', 'text', 'bool', 'big', 'date', 'object', 'unord']
      break
    case 'num':
    case 'date':
      allowed = [kind, 'unord']
      break
    case 'text':
      if (!lead.lexicalStrings || unorderable) return undefined
      if (leads.some((v) => typeof v === 'string' && DISAGREEING_TEXT.test(v))) return undefined
      allowed = ['text']
      break
    default:
      if (unorderable) return undefined
      allowed = [kind]
  }
  return outsideRegions(lead.expr, new Set(allowed))
}
