import { IR, and, eq, gt, gte, inArray, isNull, length, like, lower, lt, not, or, upper } from '@tanstack/db'
import type { LoadSubsetOptions } from '@tanstack/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileSubset, dropIndex, ensureIndex, indexDefinition, indexExists } from '../src/query'
import { QueryFixture } from './support/query-fixture'

/**
 * Failure modes 21 and 22: every statement a subset read runs must search the persisted index (EXPLAIN
 * QUERY PLAN), and an ordered, limited read of 100k rows must hand back O(limit) rows without sorting.
 */
const ref = (...path: string[]) => new IR.PropRef(path)
const asc = { direction: 'asc', nulls: 'first' } as const
const desc = { direction: 'desc', nulls: 'first' } as const
const T0 = Date.UTC(2024, 0, 1)

/** EXPLAIN lines touching the rows table: all must use `index` (or the primary key), one at least `index`. */
function plans(fixture: QueryFixture, index: string) {
  const lines = fixture.driver.statements.flatMap(({ sql, params }) =>
    fixture.explain(sql, params).split(' | '),
  )
  const table = lines.filter((l) => /^(SCAN|SEARCH) persistdb_c1_rows\b/.test(l))
  return {
    lines,
    offIndex: table.filter((l) => !l.includes(`USING INDEX ${index}`) && !l.includes('USING PRIMARY KEY')),
    onIndex: table.filter((l) => l.includes(`USING INDEX ${index}`)),
    sorts: lines.filter((l) => l.includes('TEMP B-TREE')),
  }
}

function expectIndexed(fixture: QueryFixture, index: string, request: LoadSubsetOptions) {
  fixture.driver.reset()
  const result = fixture.subset(request)
  const p = plans(fixture, index)
  expect(p.offIndex, p.lines.join('\n')).toEqual([])
  expect(p.onIndex.length, p.lines.join('\n')).toBeGreaterThan(0)
  expect(p.sorts, p.lines.join('\n')).toEqual([])
  return result
}

describe('every supported index shape is used by the generated SQL (failure mode 21)', () => {
  const fixture = new QueryFixture()
  beforeAll(() => {
    const names = ['Ada', 'bob', 'Cy', 'dora', 'Éve', 'ÉVE', 'zed']
    fixture.insert(
      Array.from({ length: 3000 }, (_, i) => [
        i,
        {
          score: i % 100,
          name: names[i % names.length]! + (i % 13),
          active: i % 3 === 0,
          createdAt: new Date(T0 + i * 250),
          meta: { rank: i % 50, tag: `t${i % 7}` },
          other: i % 11,
        },
      ]),
    )
  })
  afterAll(() => fixture.close())

  const shapes: Array<{ shape: string; expr: IR.BasicExpression; value: unknown; range: unknown }> = [
    { shape: 'number field', expr: ref('score'), value: 42, range: 90 },
    { shape: 'string field', expr: ref('name'), value: 'bob1', range: 'dora' },
    { shape: 'boolean field', expr: ref('active'), value: true, range: false },
    {
      shape: 'Date field',
      expr: ref('createdAt'),
      value: new Date(T0 + 14 * 250),
      range: new Date(T0 + 700_000),
    },
    { shape: 'nested field', expr: ref('meta', 'rank'), value: 7, range: 45 },
    { shape: 'lower(field)', expr: lower(ref('name')) as IR.BasicExpression, value: 'ada3', range: 'dora' },
    { shape: 'upper(field)', expr: upper(ref('name')) as IR.BasicExpression, value: 'ADA3', range: 'DORA' },
  ]

  for (const { shape, expr, value, range } of shapes) {
    describe(shape, () => {
      let index: string
      beforeAll(() => {
        index = fixture.index(expr)
      })
      const e = expr as never
      it('eq', () => {
        expect(expectIndexed(fixture, index, { where: eq(e, value as never) }).rows.length).toBeGreaterThan(0)
      })
      it('range (gt, lt, gte)', () => {
        expectIndexed(fixture, index, { where: gt(e, range as never) })
        expectIndexed(fixture, index, { where: lt(e, range as never) })
        expectIndexed(fixture, index, { where: gte(e, value as never) })
      })
      it('in', () => {
        expectIndexed(fixture, index, { where: inArray(e, [value, range]) })
      })
      it('and-combination with a non-indexed and an unsupported conjunct', () => {
        const where = and(eq(e, value as never), eq(ref('other'), 3), eq(length(ref('name')), 4))
        const result = expectIndexed(fixture, index, { where })
        expect(compileSubset(fixture.table, { where }).exact).toBe(false)
        expect(result.rows.length).toBeGreaterThan(0)
      })
      if (!shape.includes('(')) {
        it('orderBy + limit, asc and desc, with a filter and with a cursor', () => {
          for (const compareOptions of [asc, desc, { ...desc, nulls: 'last' as const }]) {
            const orderBy = [
              { expression: expr, compareOptions: { ...compareOptions, stringSort: 'lexical' as const } },
            ]
            const result = expectIndexed(fixture, index, { orderBy, limit: 10 })
            expect(result.limitPushed).toBe(true)
            expectIndexed(fixture, index, { orderBy, limit: 10, offset: 20 })
            expectIndexed(fixture, index, { where: not(isNull(e)), orderBy, limit: 10 })
            const cursor = { whereFrom: gt(e, range as never), whereCurrent: eq(e, range as never) }
            expect(expectIndexed(fixture, index, { orderBy, limit: 10, cursor }).limitPushed).toBe(true)
          }
        })
      }
    })
  }

  it('like prefixes search the index', () => {
    const index = fixture.index(ref('name'))
    expectIndexed(fixture, index, { where: like(ref('name'), 'bob%') })
    const lowered = fixture.index(lower(ref('name')) as IR.BasicExpression)
    expectIndexed(fixture, lowered, { where: like(lower(ref('name')) as IR.BasicExpression<string>, 'ada%') })
  })

  it('uses the field index under or/not when every branch is on the field', () => {
    const index = fixture.index(ref('score'))
    expectIndexed(fixture, index, { where: eq(ref('score'), 5) })
    expectIndexed(fixture, index, { where: not(not(gt(ref('score'), 5))) })
    expect(
      expectIndexed(fixture, index, { where: or(eq(ref('score'), 5), eq(ref('score'), 6)) }).rows,
    ).toHaveLength(60)
  })

  it('names are stable hashes of the expression; other expressions are not SQLite indexes', () => {
    const a = indexDefinition(fixture.table, 1, ref('score'))!
    expect(indexDefinition(fixture.table, 1, new IR.PropRef(['score']))).toEqual(a)
    expect(a.name).toMatch(/^persistdb_c1_ix_[0-9a-f]{16}$/)
    expect(a.sql).toMatch(
      /^CREATE INDEX IF NOT EXISTS "persistdb_c1_ix_[0-9a-f]{16}" ON "persistdb_c1_rows" \(/,
    )
    expect(indexDefinition(fixture.table, 1, ref('meta', 'rank'))!.name).not.toBe(a.name)
    expect(indexDefinition(fixture.table, 1, length(ref('name')) as IR.BasicExpression)).toBeUndefined()
    expect(indexDefinition(fixture.table, 1, ref('constructor'))).toBeUndefined()
    expect(() => indexDefinition('"persistdb_c2_rows"', 1, ref('score'))).toThrow()
  })

  it('ensureIndex reads sqlite_master first and writes only when the index is missing; dropIndex drops it', () => {
    const def = indexDefinition(fixture.table, 1, ref('meta', 'tag'))!
    fixture.driver.reset()
    expect(fixture.run(indexExists(def.name))).toBe(false)
    expect(fixture.run(ensureIndex(def))).toBe(true)
    expect(fixture.driver.writes).toEqual([def.sql])
    fixture.driver.reset()
    expect(fixture.run(ensureIndex(def))).toBe(false)
    expect(fixture.driver.writes).toEqual([])
    expect(fixture.driver.statements.map((s) => s.sql)).toEqual([
      expect.stringContaining('FROM sqlite_master'),
    ])
    fixture.run(dropIndex(def.name))
    expect(fixture.run(indexExists(def.name))).toBe(false)
    expect(() => fixture.run(dropIndex('x"; DROP TABLE persistdb_c1_rows; --'))).toThrow(
      /not a PersistDB index name/,
    )
  })
})

describe('orderBy(score).limit(10) over 100k rows reads O(limit) rows (failure mode 22)', () => {
  const fixture = new QueryFixture()
  const total = 100_000
  let index: string
  beforeAll(() => {
    fixture.insert(Array.from({ length: total }, (_, i) => [i, { score: (i * 7919) % total, group: i % 10 }]))
  })
  afterAll(() => fixture.close())

  const request: LoadSubsetOptions = {
    orderBy: [{ expression: ref('score'), compareOptions: desc }],
    limit: 10,
  }

  it('without an index SQLite has to sort (the control the next test is measured against)', () => {
    fixture.driver.reset()
    fixture.subset(request)
    const lines = fixture.driver.statements.flatMap(({ sql, params }) =>
      fixture.explain(sql, params).split(' | '),
    )
    expect(lines.some((l) => l.includes('TEMP B-TREE FOR ORDER BY'))).toBe(true)
  })

  it('with an index: no sort, every statement searches the index, 10 rows handed back', () => {
    index = fixture.index(ref('score'))
    const result = expectIndexed(fixture, index, request)
    expect(result.limitPushed).toBe(true)
    expect(result.rows.map((r) => JSON.parse(r.value!).score)).toEqual(
      Array.from({ length: 10 }, (_, i) => total - 1 - i),
    )
    // Rows the driver handed to JS over every statement: the page (10), the boundary row's ties (1), the
    // null-led count (1) and the probe (1).
    expect(fixture.driver.rowsReturned).toBeLessThanOrEqual(10 + 3)
  })

  it('stays O(limit) with a filter, an offset, a cursor and ascending order', () => {
    const orderBy = [{ expression: ref('score'), compareOptions: asc }]
    const requests: LoadSubsetOptions[] = [
      { where: lt(ref('score'), 50_000), orderBy: request.orderBy, limit: 10 },
      { orderBy, limit: 10, offset: 30 },
      {
        orderBy,
        limit: 10,
        cursor: { whereFrom: gt(ref('score'), 500), whereCurrent: eq(ref('score'), 500) },
      },
    ]
    for (const r of requests) {
      fixture.driver.reset()
      const result = expectIndexed(fixture, index, r)
      expect(result.limitPushed).toBe(true)
      // Page, both boundary ties (offset), current-value rows (cursor), null count, probe.
      expect(fixture.driver.rowsReturned).toBeLessThanOrEqual(10 + 5)
    }
  })
})
