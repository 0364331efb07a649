import type { IR, LoadSubsetOptions } from '@tanstack/db'
import type { SQLiteValue } from './driver'
import { refPath } from './query/json-path'
import { subsetKey } from './subset-key'

/**
 * Which later requests a loaded subset already answers. After an ordered page TanStack DB asks for every
 * row of the same filter whose leading value equals a page value (`and(where, eq(field, v))`, the
 * boundary request). The page already returned every such row (its boundaries come with their ties), and
 * rows other writers add to a loaded subset's filter reach core through the change log, so that request
 * is answered without reading the file. Without an index on the field it would be a full table scan.
 */
export interface Coverage {
  readonly whereKey: string
  /** The ordered field (JSON of its path), or undefined for a read: every field's values are covered. */
  readonly field: string | undefined
  readonly values: ReadonlySet<number | string> | 'all'
}

export function coverageOf(
  options: LoadSubsetOptions,
  covered: readonly SQLiteValue[] | 'all',
): Coverage | undefined {
  if (options.cursor) return undefined
  const whereKey = subsetKey({ where: options.where })
  if (covered === 'all') return { whereKey, field: undefined, values: 'all' }
  const lead = options.orderBy?.[0]?.expression
  if (lead?.type !== 'ref') return undefined
  // Numbers and strings read back as themselves from the canonical expression (sql-expr.ts).
  const values = new Set<number | string>()
  for (const value of covered) if (typeof value === 'number' || typeof value === 'string') values.add(value)
  return { whereKey, field: JSON.stringify(refPath(lead)), values }
}

/** True when `coverage` holds every row `options` asks for. */
export function covers(coverage: Coverage, options: LoadSubsetOptions): boolean {
  const request = boundaryRequest(options)
  if (!request || request.whereKey !== coverage.whereKey) return false
  if (coverage.values === 'all') return true
  return request.field === coverage.field && coverage.values.has(request.value)
}

function boundaryRequest(
  options: LoadSubsetOptions,
): { whereKey: string; field: string; value: number | string } | undefined {
  const { where, orderBy, limit, offset, cursor } = options
  if (orderBy?.length || limit !== undefined || cursor || (offset ?? 0) !== 0) return undefined
  if (where?.type !== 'func' || where.name !== 'and' || where.args.length !== 2) return undefined
  const [rest, last] = where.args as [IR.BasicExpression<boolean>, IR.BasicExpression]
  if (last.type !== 'func' || last.name !== 'eq' || last.args.length !== 2) return undefined
  const [a, b] = last.args as [IR.BasicExpression, IR.BasicExpression]
  const ref = a.type === 'ref' ? a : b.type === 'ref' ? b : undefined
  const val = a.type === 'val' ? a : b.type === 'val' ? b : undefined
  if (!ref || !val) return undefined
  const value: unknown = val.value
  // A number equals a Date of that many ms in core; such rows would break the page's proved order anyway,
  // but -0/NaN/strings beyond the proof are simply read.
  if (!(typeof value === 'number' && Number.isFinite(value)) && typeof value !== 'string') return undefined
  return { whereKey: subsetKey({ where: rest }), field: JSON.stringify(refPath(ref)), value }
}
