import { IR, type LoadSubsetOptions } from '@tanstack/db'
import { RemoteRequestRefusedError } from './operation-errors'

/**
 * loadSubset's query description across a structured-clone boundary. TanStack
 * DB's PropRef/Value/Func classes lose their class when cloned, so the client
 * sends a plain form and the server rebuilds real IR nodes from it, refusing
 * anything that is not one: unknown node types or functions, non-string path
 * segments, values other than plain scalars (and arrays of them, for `in`),
 * and trees too deep or too large.
 */
export type WireExpression =
  | { readonly t: 'ref'; readonly path: readonly string[] }
  | { readonly t: 'val'; readonly value: WireScalar | readonly WireScalar[] }
  | { readonly t: 'func'; readonly name: string; readonly args: readonly WireExpression[] }

export type WireScalar = string | number | boolean | bigint | null | undefined | Date

export interface WireOrderClause {
  readonly expression: WireExpression
  readonly direction: 'asc' | 'desc'
  readonly nulls: 'first' | 'last'
  readonly stringSort?: 'lexical' | 'locale' | 'custom'
  readonly locale?: string
}

export interface WireSubsetRequest {
  readonly where?: WireExpression
  readonly orderBy?: readonly WireOrderClause[]
  readonly limit?: number
  readonly offset?: number
  readonly cursor?: { readonly whereFrom: WireExpression; readonly whereCurrent: WireExpression }
  /** The collection's own string collation (compareOptions), when it sorts strings lexically. */
  readonly stringSort?: 'lexical' | 'locale' | 'custom'
}

/** The functions TanStack DB's query builder emits; anything else is refused. */
export const WIRE_FUNCTIONS: ReadonlySet<string> = new Set([
  'eq', 'gt', 'gte', 'lt', 'lte', 'and', 'or', 'not', 'in', 'like', 'ilike', 'isNull', 'isUndefined',
  'upper', 'lower', 'length', 'concat', 'coalesce', 'add', 'subtract', 'multiply', 'divide',
]) // prettier-ignore

export interface QueryLimits {
  /** Nodes in one request's expressions together. */
  readonly maxNodes: number
  readonly maxDepth: number
  /** Items of one `in` list. */
  readonly maxArray: number
  readonly maxStringLength: number
}

// ---- client: IR → wire ----

export function expressionToWire(expression: IR.BasicExpression): WireExpression {
  switch (expression.type) {
    case 'ref':
      return { t: 'ref', path: [...expression.path] }
    case 'val':
      return { t: 'val', value: expression.value as WireScalar }
    case 'func':
      return { t: 'func', name: expression.name, args: expression.args.map(expressionToWire) }
  }
}

export function subsetToWire(
  options: LoadSubsetOptions,
  stringSort: WireSubsetRequest['stringSort'],
): WireSubsetRequest {
  return {
    ...(options.where ? { where: expressionToWire(options.where) } : {}),
    ...(options.orderBy
      ? {
          orderBy: options.orderBy.map((clause) => {
            const c = clause.compareOptions as { stringSort?: WireOrderClause['stringSort']; locale?: string }
            return {
              expression: expressionToWire(clause.expression),
              direction: clause.compareOptions.direction,
              nulls: clause.compareOptions.nulls,
              ...(c.stringSort ? { stringSort: c.stringSort } : {}),
              ...(typeof c.locale === 'string' ? { locale: c.locale } : {}),
            }
          }),
        }
      : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
    ...(options.cursor
      ? {
          cursor: {
            whereFrom: expressionToWire(options.cursor.whereFrom),
            whereCurrent: expressionToWire(options.cursor.whereCurrent),
          },
        }
      : {}),
    ...(stringSort ? { stringSort } : {}),
  }
}

// ---- server: wire → IR, validated ----

class Budget {
  nodes = 0
  constructor(readonly limits: QueryLimits) {}
}

/** Counts the nodes of one request's expressions against the limits. */
export function queryBudget(limits: QueryLimits): Budget {
  return new Budget(limits)
}

function refuse(what: string): never {
  throw new RemoteRequestRefusedError('malformed', `loadSubset query: ${what}`)
}

function fields(value: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(`${what} is not an object`)
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) refuse(`${what} is not a plain object`)
  for (const key of Object.keys(value)) if (!allowed.includes(key)) refuse(`${what} has an unknown field`)
  return value as Record<string, unknown>
}

function scalar(value: unknown, budget: Budget): WireScalar {
  if (value === null || value === undefined) return value
  switch (typeof value) {
    case 'string':
      if (value.length > budget.limits.maxStringLength) refuse('a string value is too long')
      return value
    case 'number':
    case 'boolean':
    case 'bigint':
      return value
    case 'object':
      if (value instanceof Date) return new Date(value.getTime())
  }
  return refuse('a value is not a string, number, boolean, bigint, null or Date')
}

export function expressionFromWire(wire: unknown, budget: Budget, depth = 0): IR.BasicExpression {
  if (++budget.nodes > budget.limits.maxNodes) refuse('the expression has too many nodes')
  if (depth > budget.limits.maxDepth) refuse('the expression is nested too deeply')
  const node = fields(wire, ['t', 'path', 'value', 'name', 'args'], 'an expression node')
  switch (node.t) {
    case 'ref': {
      const path = node.path
      if (!Array.isArray(path) || path.length === 0 || path.length > budget.limits.maxDepth)
        refuse('a field path is not a non-empty array')
      for (const segment of path as unknown[]) {
        if (typeof segment !== 'string' || segment.length > budget.limits.maxStringLength)
          refuse('a field path segment is not a string')
      }
      return new IR.PropRef([...(path as string[])])
    }
    case 'val': {
      const value = node.value
      if (Array.isArray(value)) {
        if (value.length > budget.limits.maxArray) refuse('an `in` list is too long')
        return new IR.Value(value.map((item: unknown) => scalar(item, budget)))
      }
      return new IR.Value(scalar(value, budget))
    }
    case 'func': {
      if (typeof node.name !== 'string' || !WIRE_FUNCTIONS.has(node.name))
        refuse(`unknown function ${JSON.stringify(String(node.name)).slice(0, 80)}`)
      if (!Array.isArray(node.args) || node.args.length > 64)
        refuse('function arguments are not a short array')
      return new IR.Func(
        node.name,
        (node.args as unknown[]).map((arg) => expressionFromWire(arg, budget, depth + 1)),
      )
    }
  }
  return refuse('an expression node is not a ref, val or func')
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) refuse(`${what} is not a count`)
  return value
}

const SORTS = ['lexical', 'locale', 'custom']

export function subsetFromWire(
  wire: unknown,
  limits: QueryLimits,
): { request: LoadSubsetOptions; stringSort: 'lexical' | 'locale' | undefined } {
  const budget = new Budget(limits)
  const w = fields(wire, ['where', 'orderBy', 'limit', 'offset', 'cursor', 'stringSort'], 'the request')
  const request: {
    where?: IR.BasicExpression<boolean>
    orderBy?: IR.OrderBy
    limit?: number
    offset?: number
    cursor?: { whereFrom: IR.BasicExpression<boolean>; whereCurrent: IR.BasicExpression<boolean> }
  } = {}
  if (w.where !== undefined)
    request.where = expressionFromWire(w.where, budget) as IR.BasicExpression<boolean>
  if (w.orderBy !== undefined) {
    if (!Array.isArray(w.orderBy) || w.orderBy.length > 16) refuse('orderBy is not a short array')
    request.orderBy = (w.orderBy as unknown[]).map((item) => {
      const c = fields(
        item,
        ['expression', 'direction', 'nulls', 'stringSort', 'locale'],
        'an orderBy clause',
      )
      if (c.direction !== 'asc' && c.direction !== 'desc') refuse('orderBy direction')
      if (c.nulls !== 'first' && c.nulls !== 'last') refuse('orderBy nulls')
      if (c.stringSort !== undefined && !SORTS.includes(c.stringSort as string)) refuse('orderBy stringSort')
      if (c.locale !== undefined && (typeof c.locale !== 'string' || c.locale.length > 64)) refuse('locale')
      const stringSort =
        c.stringSort === 'custom' ? 'locale' : (c.stringSort as 'lexical' | 'locale' | undefined)
      return {
        expression: expressionFromWire(c.expression, budget),
        compareOptions: {
          direction: c.direction,
          nulls: c.nulls,
          ...(stringSort ? { stringSort } : {}),
          ...(c.locale !== undefined ? { locale: c.locale as string } : {}),
        },
      } as IR.OrderByClause
    })
  }
  if (w.limit !== undefined) request.limit = count(w.limit, 'limit')
  if (w.offset !== undefined) request.offset = count(w.offset, 'offset')
  if (w.cursor !== undefined) {
    const c = fields(w.cursor, ['whereFrom', 'whereCurrent'], 'the cursor')
    request.cursor = {
      whereFrom: expressionFromWire(c.whereFrom, budget) as IR.BasicExpression<boolean>,
      whereCurrent: expressionFromWire(c.whereCurrent, budget) as IR.BasicExpression<boolean>,
    }
  }
  if (w.stringSort !== undefined && !SORTS.includes(w.stringSort as string)) refuse('stringSort')
  // A custom comparator cannot cross the boundary; only 'lexical' changes what SQL may push.
  const stringSort =
    w.stringSort === 'lexical' ? 'lexical' : w.stringSort === undefined ? undefined : 'locale'
  return { request, stringSort }
}
