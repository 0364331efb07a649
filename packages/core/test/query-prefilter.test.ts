import { and, eq, gt, lower, not, or, type IR } from '@tanstack/db'
import { afterEach, describe, expect, it } from 'vitest'
import { textPrefilter } from '../src/query/text-prefilter'
import { QueryFixture, checkWhere, coreMatches, ref, sortKeys, type Row } from './support/query-fixture'

/**
 * Without an index, a scan first tests the row text for the JSON form of each string a top-level eq()
 * requires (query/text-prefilter.ts). The answers must stay core's, whatever the strings hold.
 */
const TRICKY = ['c3', 'c33', 'q"t', 'b\\s', 'nl\n', '\u0001', 'é', '😀', '', '$pdb', '"c3"', 'C3']

const ROWS: Row[] = TRICKY.flatMap((s, i): Row[] => [
  [i * 10, { s, a: i, n: { s } }],
  // The same text elsewhere in the row (another field, a key, an array, a nested escaped object).
  [i * 10 + 1, { s: 'other', t: s, a: i, n: { [s]: 1 } }],
  [i * 10 + 2, { s: [s], a: -i, n: { s: { $pdb: s } } }],
  [i * 10 + 3, { a: i }],
])

let fixture: QueryFixture
afterEach(() => fixture?.close())

function setup(rows: readonly Row[] = ROWS): QueryFixture {
  fixture = new QueryFixture()
  fixture.insert(rows)
  return fixture
}

// No escaped objects: the plain-types case, where the ordered page is answered by the one scan.
const PLAIN = ROWS.filter(([k]) => Number(k) % 10 !== 2 && k !== TRICKY.indexOf('$pdb') * 10 + 1)

/** The main statement of the plan the fixture runs (no index: one scan). */
function scanSql(request: Parameters<QueryFixture['subset']>[0]): { sql: string; params: unknown[] } {
  fixture.driver.reset()
  fixture.subset(request)
  const scans = fixture.driver.statements.filter(
    (s) => s.sql.includes(fixture.table) && !/key IN/.test(s.sql),
  )
  expect(scans).toHaveLength(1)
  return { sql: scans[0]!.sql, params: [...scans[0]!.params] }
}

describe('text prefilter for scans without an index', () => {
  it('never loses a row core matches, for strings that JSON escapes, nested, in arrays and elsewhere in the row', () => {
    setup()
    for (const s of TRICKY) {
      for (const where of [eq(ref('s'), s), eq(ref('n', 's'), s), and(eq(ref('s'), s), gt(ref('a'), -1))]) {
        // Rows holding an escaped object read as "unknown" and are over-fetched; core's rows must all be there.
        const { got, truth } = checkWhere(fixture, ROWS, where)
        expect(truth.length).toBeGreaterThan(0)
        expect(got).toEqual(expect.arrayContaining(truth))
      }
      expect(scanSql({ where: eq(ref('s'), s) }).params).toContain(JSON.stringify(s))
    }
  })

  it('an ordered, limited page without an index scans once, prefiltered, and equals core', () => {
    setup(PLAIN)
    const where = and(eq(ref('n', 's'), 'c3'), gt(ref('a'), -100))
    const orderBy: IR.OrderBy = [
      { expression: ref('a'), compareOptions: { direction: 'desc', nulls: 'last', stringSort: 'lexical' } },
    ]
    const { sql, params } = scanSql({ where, orderBy, limit: 1 })
    expect(sql).toContain('instr(value, ?) > 0')
    expect(params).toContain('"c3"')
    const keys = sortKeys(fixture.subset({ where, orderBy, limit: 1 }).rows.map((r) => r.key as number))
    expect(keys).toEqual(PLAIN.filter(([, v]) => coreMatches(where, v)).map(([k]) => k))
  })

  it('only top-level conjuncts on plain fields qualify (or, not, lower() would lose rows)', () => {
    const qualifies = (where: IR.BasicExpression<boolean>) => textPrefilter(where) !== undefined
    expect(qualifies(eq(ref('s'), 'c3'))).toBe(true)
    expect(qualifies(and(gt(ref('a'), 1), and(eq(ref('s'), 'c3'), eq(ref('t'), 'x'))))).toBe(true)
    expect(qualifies(or(eq(ref('s'), 'c3'), gt(ref('a'), 1)))).toBe(false)
    expect(qualifies(not(eq(ref('s'), 'c3')))).toBe(false)
    expect(qualifies(eq(lower(ref('s')), 'c3'))).toBe(false)
    expect(qualifies(eq(ref('a'), 3))).toBe(false)
    expect(qualifies(eq(ref('s'), '\u0000tanstack-db:string:x'))).toBe(false)
    // And the rows those forms match are really returned (what the prefilter would have dropped).
    setup()
    for (const where of [
      or(eq(ref('s'), 'c3'), gt(ref('a'), 9)),
      not(eq(ref('s'), 'c3')),
      eq(lower(ref('s')), 'c3'),
    ]) {
      const { got, truth } = checkWhere(fixture, ROWS, where)
      expect(truth.length).toBeGreaterThan(0)
      expect(got).toEqual(expect.arrayContaining(truth))
    }
  })

  it('is not added where an index serves the request', () => {
    setup()
    fixture.index(ref('s'))
    const { sql } = scanSql({ where: eq(ref('s'), 'c3') })
    expect(sql).not.toContain('instr(value, ?)')
  })
})
