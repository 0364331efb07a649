import {
  IR,
  add,
  and,
  avg,
  caseWhen,
  coalesce,
  concat,
  count,
  divide,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNull,
  isUndefined,
  length,
  like,
  lower,
  lt,
  lte,
  max,
  min,
  multiply,
  not,
  operators,
  or,
  subtract,
  sum,
  upper,
} from '@tanstack/db'
import { afterEach, describe, expect, it } from 'vitest'
import { compileSubset } from '../src/query'
import { CASE_SPECIALS } from '../src/query/sql-expr'
import { QueryFixture, checkWhere, ref, type Row } from './support/query-fixture'

let fixture: QueryFixture
afterEach(() => fixture?.close())

function setup(rows: readonly Row[]): QueryFixture {
  fixture = new QueryFixture()
  fixture.insert(rows)
  return fixture
}

/** Asserts the SQL answer contains core's answer, and equals it when reported exact. */
function check(rows: readonly Row[], where: IR.BasicExpression<boolean>) {
  return checkWhere(fixture, rows, where)
}

const MIXED: readonly Row[] = [
  [1, { a: 1, s: 'abc', d: new Date(1000), n: { x: 5 }, f: true }],
  [2, { a: 2, s: 'ABD', d: new Date(1500), n: { x: null }, f: false }],
  [3, { a: '3', s: null, d: null }],
  [4, { a: 10n ** 17n, s: 'é', n: 'str' }],
  [5, { a: NaN, s: undefined, n: null, d: new Date(NaN) }],
  [6, { a: [1], s: 'K' }],
  [7, { a: -0, s: 'a%c', d: 1500 }],
  [8, { a: Infinity, s: 'a*c' }],
  [9, { a: 1.5, s: 'AbC' }],
  [10, { s: 'İx' }],
  ['x', { a: true, s: '😀' }],
]

describe('operator coverage', () => {
  const field = ref('a')
  // Every name in @tanstack/db's `operators`, with the handling SQL gets for a typical use.
  const cases: Record<string, { expr: IR.BasicExpression<boolean>; exact: boolean }> = {
    eq: { expr: eq(field, 1), exact: true },
    gt: { expr: gt(field, 1), exact: true },
    gte: { expr: gte(field, 1), exact: true },
    lt: { expr: lt(field, 1), exact: true },
    lte: { expr: lte(field, 1), exact: true },
    in: { expr: inArray(field, [1, 2]), exact: true },
    like: { expr: like(ref('s'), 'a%'), exact: true },
    ilike: { expr: ilike(ref('s'), 'a%'), exact: true },
    and: { expr: and(eq(field, 1), eq(ref('s'), 'abc')), exact: true },
    or: { expr: or(eq(field, 1), eq(ref('s'), 'abc')), exact: true },
    not: { expr: not(eq(field, 1)), exact: true },
    isNull: { expr: isNull(ref('s')), exact: true },
    isUndefined: { expr: isUndefined(ref('s')), exact: true },
    upper: { expr: eq(upper(ref('s')), 'ABC'), exact: true },
    lower: { expr: eq(lower(ref('s')), 'abc'), exact: true },
    length: { expr: eq(length(ref('s')), 3), exact: false },
    concat: { expr: eq(concat(ref('s'), 'x'), 'abcx'), exact: false },
    add: { expr: gt(add(field, 1), 2), exact: false },
    subtract: { expr: gt(subtract(field, 1), 0), exact: false },
    multiply: { expr: gt(multiply(field, 2), 2), exact: false },
    divide: { expr: gt(divide(field, 2), 0), exact: false },
    coalesce: { expr: eq(coalesce(ref('s'), 'z'), 'z'), exact: false },
    caseWhen: { expr: eq(caseWhen(gt(field, 1), 'big', 'small') as IR.BasicExpression, 'big'), exact: false },
    count: { expr: gt(count(field) as unknown as IR.BasicExpression, 1), exact: false },
    avg: { expr: gt(avg(field) as unknown as IR.BasicExpression, 1), exact: false },
    sum: { expr: gt(sum(field) as unknown as IR.BasicExpression, 1), exact: false },
    min: { expr: gt(min(field) as unknown as IR.BasicExpression, 1), exact: false },
    max: { expr: gt(max(field) as unknown as IR.BasicExpression, 1), exact: false },
  }

  it('has a case for every operator @tanstack/db exports', () => {
    expect(Object.keys(cases).sort()).toEqual([...operators].sort())
  })

  for (const [name, { expr, exact }] of Object.entries(cases)) {
    it(`${name}: ${exact ? 'pushed exactly' : 'over-fetched, evaluated in memory'}`, () => {
      setup(MIXED)
      const { compiled } = check(MIXED, expr)
      expect(compiled.exact).toBe(exact)
      expect(compiled.inMemory.length === 0).toBe(exact)
    })
  }

  it('matches core on mixed types, nulls and undefined for every comparison and literal type', () => {
    setup(MIXED)
    const literals: unknown[] = [0, 1, 1.5, -1, Infinity, NaN, 'abc', '3', '', true, false, 10n ** 17n, 3n]
    literals.push(new Date(1000), new Date(1499), new Date(NaN), null, undefined, 'é', 'K')
    for (const lit of literals) {
      for (const op of [eq, gt, gte, lt, lte]) {
        for (const path of [['a'], ['s'], ['d'], ['n', 'x'], ['f']]) {
          check(MIXED, op(ref(...path), lit))
          check(MIXED, not(op(ref(...path), lit)))
          check(MIXED, op(lit, ref(...path)))
        }
      }
    }
  })
})

describe('conjuncts compile on their own (failure mode 23)', () => {
  const rows: Row[] = Array.from({ length: 50 }, (_, i) => [i, { a: i % 5, b: `v${i}` }])

  it('and(eq(a, 1), unsupported(b)) still filters on a in SQL', () => {
    setup(rows)
    const where = and(eq(ref('a'), 1), eq(length(ref('b')), 2))
    const { got, compiled } = check(rows, where)
    expect(got).toEqual(rows.filter(([, v]) => v.a === 1).map(([k]) => k))
    expect(compiled.inMemory).toEqual(['eq without a field and a constant'])
  })

  it('not(unsupported) over-fetches every row instead of none', () => {
    setup(rows)
    const { got } = check(rows, not(eq(length(ref('b')), 2)))
    expect(got).toHaveLength(rows.length)
  })

  it('or(exact, unsupported) over-fetches, and(or(...), exact) still filters', () => {
    setup(rows)
    expect(check(rows, or(eq(ref('a'), 1), eq(length(ref('b')), 2))).got).toHaveLength(rows.length)
    const { got } = check(rows, and(or(eq(ref('a'), 1), eq(length(ref('b')), 2)), eq(ref('a'), 2)))
    expect(got).toEqual(rows.filter(([, v]) => v.a === 2).map(([k]) => k))
  })

  it('three-valued logic: not(eq) excludes null and missing fields, as core does', () => {
    const data: Row[] = [
      [1, { a: 1 }],
      [2, { a: 2 }],
      [3, { a: null }],
      [4, {}],
    ]
    setup(data)
    const { got, result } = check(data, not(eq(ref('a'), 1)))
    expect(result.exact).toBe(true)
    expect(got).toEqual([2])
  })

  it('never returns metadata-only rows', () => {
    setup(rows)
    fixture.insertMetadataOnly(1000)
    expect(fixture.keys({})).not.toContain(1000)
    expect(fixture.keys({ where: not(eq(ref('a'), 99)) })).not.toContain(1000)
    expect(fixture.keys({ where: isUndefined(ref('zz')) })).not.toContain(1000)
  })
})

describe('values', () => {
  it('compares Dates to the millisecond (failure mode 24)', () => {
    const t = Date.UTC(2024, 0, 1, 12, 0, 0)
    const rows: Row[] = [
      [1, { at: new Date(t) }],
      [2, { at: new Date(t + 500) }],
      [3, { at: new Date(t + 1) }],
      [4, { at: new Date(t - 1) }],
      [5, { at: new Date(t + 1000) }],
    ]
    setup(rows)
    expect(check(rows, gt(ref('at'), new Date(t))).got).toEqual([2, 3, 5])
    expect(check(rows, gte(ref('at'), new Date(t + 500))).got).toEqual([2, 5])
    expect(check(rows, lt(ref('at'), new Date(t + 1))).got).toEqual([1, 4])
    expect(check(rows, eq(ref('at'), new Date(t + 500))).got).toEqual([2])
    // core's eq normalizes a Date to its ms, so a number literal equals it
    expect(check(rows, eq(ref('at'), t + 500)).got).toEqual([2])
    expect(check(rows, inArray(ref('at'), [new Date(t + 1), t - 1])).got).toEqual([3, 4])
  })

  it('compares bigints beyond 2^53 exactly; beyond 10^18 it over-fetches', () => {
    const big = 2n ** 53n
    const rows: Row[] = [
      [1, { n: big }],
      [2, { n: big + 1n }],
      [3, { n: big + 2n }],
      [4, { n: -(big + 1n) }],
      [5, { n: 10n ** 18n + 1n }],
    ]
    setup(rows)
    const gtResult = check(rows, gt(ref('n'), big + 1n))
    expect(gtResult.got).toEqual([3, 5])
    expect(gtResult.result.exact).toBe(false) // row 5 (beyond 10^18) is over-fetched, then core decides
    expect(check(rows, eq(ref('n'), big + 1n)).got).toEqual([2, 5])
    expect(check(rows, lt(ref('n'), -big)).got).toEqual([4, 5])
    // core: 2^53 + 1 (bigint) is not eq the number 2^53
    expect(check(rows, eq(ref('n'), Number(big))).got).toEqual([5])
  })

  it('treats NaN, invalid Dates, -0 and Infinity as core does', () => {
    const rows: Row[] = [
      [1, { x: NaN }],
      [2, { x: new Date(NaN) }],
      [3, { x: -0 }],
      [4, { x: Infinity }],
      [5, { x: -Infinity }],
      [6, { x: 7 }],
    ]
    setup(rows)
    expect(check(rows, eq(ref('x'), NaN)).got).toEqual([1, 2])
    expect(check(rows, eq(ref('x'), 0)).got).toEqual([3])
    expect(check(rows, gt(ref('x'), 1e308)).got).toEqual([1, 2, 4])
    expect(check(rows, lt(ref('x'), NaN)).got).toEqual([3, 4, 5, 6])
  })

  it('like and ilike follow core, including glob metacharacters, non-ASCII and Kelvin/dotted-I folding', () => {
    const strings = [
      'abc',
      'ABC',
      'a*c',
      'a?c',
      'a[c',
      'aXc',
      'é',
      'É',
      'K',
      'kelvin',
      'İ',
      'i',
      'a😀c',
      'ab',
    ]
    const rows: Row[] = strings.map((s, i) => [i, { s }])
    setup(rows)
    for (const pattern of ['a%', 'a*c', 'a?c', 'a[c', '%c', 'A%', 'k%', 'i%', '%', 'é', 'a_c', 'a__c', '']) {
      check(rows, like(ref('s'), pattern))
      check(rows, ilike(ref('s'), pattern))
      check(rows, not(like(ref('s'), pattern)))
      check(rows, like(lower(ref('s')) as IR.BasicExpression<string>, pattern))
    }
    expect(check(rows, like(ref('s'), 'a*c')).got).toEqual([2])
    expect(check(rows, ilike(ref('s'), 'k%')).got).toEqual([8, 9])
    expect(compileSubset(fixture.table, { where: like(ref('s'), 'a_c') }).exact).toBe(false)
    expect(compileSubset(fixture.table, { where: ilike(ref('s'), 'é') }).exact).toBe(false)
  })

  it('lower()/upper() special cases equal what this engine maps to ASCII', () => {
    const found = { lower: [] as string[], upper: [] as string[] }
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue
      const c = String.fromCodePoint(cp)
      const hasAscii = (text: string) => [...text].some((ch) => ch.charCodeAt(0) < 0x80)
      if (hasAscii(c.toLowerCase())) found.lower.push(c)
      if (hasAscii(c.toUpperCase())) found.upper.push(c)
    }
    expect(CASE_SPECIALS.lower.map(([from]) => from)).toEqual(found.lower)
    expect(CASE_SPECIALS.upper.map(([from]) => from)).toEqual(found.upper)
    for (const [from, to] of [...CASE_SPECIALS.lower]) expect(from.toLowerCase()).toBe(to)
    for (const [from, to] of [...CASE_SPECIALS.upper]) expect(from.toUpperCase()).toBe(to)
    const rows: Row[] = [...found.lower, ...found.upper, 'straße', 'ﬁx', 'Kx'].map((s, i) => [i, { s }])
    setup(rows)
    for (const target of ['ss', 'STRASSE', 'FIX', 'kx', 'KX', 'i\u0307', 'I']) {
      check(rows, eq(lower(ref('s')), target))
      check(rows, eq(upper(ref('s')), target))
      check(rows, gt(upper(ref('s')), target))
    }
  })
})
