import { IR, eq, gt, type LoadSubsetOptions } from '@tanstack/db'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { compileSubset, indexDefinition, querySubset } from '../src/query'
import { drive } from '../src/runner'
import { AsyncBetterSqliteDriver } from './support/sqlite-test-driver'
import { QueryFixture, checkWhere, coreMatches, ref, sortKeys, type Row } from './support/query-fixture'
import { createRowsTableSql } from '../src/schema'
import { encodeValue } from '../src/codec'

const asc = { direction: 'asc', nulls: 'first', stringSort: 'lexical' } as const

let fixture: QueryFixture
afterEach(() => fixture?.close())

function setup(rows: readonly Row[]): QueryFixture {
  fixture = new QueryFixture()
  fixture.insert(rows)
  return fixture
}

function check(rows: readonly Row[], where: IR.BasicExpression<boolean>) {
  return checkWhere(fixture, rows, where)
}

describe('hostile field paths (failure mode 29)', () => {
  const hostile = [
    `'); DROP TABLE "persistdb_c1_rows"; --`,
    `a"b`,
    `a.b`,
    `a[0]`,
    `$`,
    `$.x`,
    `a\\b`,
    `"q"`,
    `k"e.y`,
    `é😀`,
    `line\nbreak`,
    ``,
    `__proto__`,
    `constructor`,
    `'`,
    `''`,
  ]

  it('never break out of the JSON path literal, and match exactly or over-fetch', () => {
    const pushed: string[] = []
    for (const key of hostile) {
      const rows: Row[] = [
        [1, { [key]: 'hit' }],
        [2, { [key]: 'miss' }],
        [3, { nested: { [key]: 'hit' } }],
      ]
      setup(rows)
      const top = check(rows, eq(ref(key), 'hit'))
      const nested = check(rows, eq(ref('nested', key), 'hit'))
      if (top.compiled.exact) expect(top.got).toEqual([1])
      if (nested.compiled.exact) expect(nested.got).toEqual([3])
      // The index DDL inlines the same path literal.
      if (indexDefinition(fixture.table, 1, ref(key))) fixture.index(ref(key))
      if (top.compiled.exact) pushed.push(key)
      check(rows, eq(ref(key), 'hit'))
      const tables = fixture.driver.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all()
      expect(tables).toEqual([{ name: 'persistdb_c1_rows' }])
      fixture.close()
    }
    expect(pushed).toEqual(expect.arrayContaining([hostile[0], `a"b`, 'a.b', `a\\b`, 'é😀', `'`, '']))
  })

  it('random keys: SQLite reads exactly the value, or the path is not pushed (property)', () => {
    setup([])
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 8 }),
        fc.string({ unit: 'grapheme', maxLength: 4 }),
        (a, b) => {
          for (const path of [[a], [b, a]]) {
            const row = path.length === 1 ? { [a]: 'hit' } : { [b]: { [a]: 'hit' } }
            fixture.driver.db.exec(`DELETE FROM ${fixture.table}`)
            fixture.insert([[1, row]])
            const where = eq(ref(...path), 'hit')
            const result = fixture.subset({ where })
            const truth = coreMatches(where, row)
            if (truth) expect(result.rows).toHaveLength(1)
            if (result.exact) expect(result.rows.length === 1).toBe(truth)
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('refuses a table name that is not a rows table', () => {
    expect(() => compileSubset('"persistdb_c1_rows"; DROP TABLE x; --', {})).toThrow(
      /not a PersistDB rows table/,
    )
    expect(() => indexDefinition('persistdb_c1_rows', 1, ref('a'))).toThrow(/not a PersistDB rows table/)
  })

  it('pushes paths SQLite reads exactly, and only those', () => {
    setup([])
    const pushed = (path: string[]) => compileSubset(fixture.table, { where: eq(ref(...path), 1) }).exact
    expect(pushed(['a.b'])).toBe(true)
    expect(pushed([`'); DROP TABLE x; --`])).toBe(true)
    expect(pushed(['k"e.y'])).toBe(false) // no JSON path syntax reaches it
    expect(pushed(['constructor'])).toBe(false) // core reads Object.prototype
    expect(pushed(['tags', 'length'])).toBe(false) // core reads an array's length
    expect(pushed(['list', '0'])).toBe(false) // core indexes an array
    expect(pushed(['0'])).toBe(true) // the row itself is an object
  })
})

describe('ordering', () => {
  it('breaks ties by key with numeric keys in numeric order (failure mode 25)', () => {
    const rows: Row[] = [10, 9, 100, 1, 'b', 'a'].map((k) => [k, { score: 1 }])
    setup(rows)
    const compiled = compileSubset(fixture.table, {
      orderBy: [{ expression: ref('score'), compareOptions: asc }],
      limit: 6,
    })
    const keys = fixture.driver.db.prepare(compiled.sql).all(...compiled.params) as Array<{ key: unknown }>
    expect(keys.map((r) => r.key)).toEqual([1, 9, 10, 100, 'a', 'b'])
  })

  it('serves cursor pages: every current-value row plus `limit` rows after it', () => {
    const rows: Row[] = Array.from({ length: 30 }, (_, i) => [i, { score: Math.floor(i / 3) }])
    setup(rows)
    const result = fixture.subset({
      orderBy: [{ expression: ref('score'), compareOptions: asc }],
      limit: 4,
      offset: 12, // ignored when a cursor is given
      cursor: { whereFrom: gt(ref('score'), 5), whereCurrent: eq(ref('score'), 5) },
    })
    expect(result.limitPushed).toBe(true)
    expect(sortKeys(result.rows.map((r) => r.key as number))).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23])
  })

  it('falls back to an unlimited read when strings would sort by locale', () => {
    const rows: Row[] = ['b', 'a', 'B', 'A'].map((s, i) => [i, { s }])
    setup(rows)
    const request: LoadSubsetOptions = {
      orderBy: [{ expression: ref('s'), compareOptions: { direction: 'asc', nulls: 'first' } }],
      limit: 1,
    }
    const locale = fixture.subset(request)
    expect(locale.limitPushed).toBe(false)
    expect(locale.rows).toHaveLength(4)
    const lexical = fixture.subset(request, { stringSort: 'lexical' })
    expect(lexical.limitPushed).toBe(true)
    expect(lexical.rows.map((r) => r.key)).toEqual([3])
  })

  it('falls back when a row of another type could sort first in core', () => {
    const rows: Row[] = [
      [1, { v: 5 }],
      [2, { v: 7 }],
      [3, { v: '1' }],
    ]
    setup(rows)
    const result = fixture.subset({ orderBy: [{ expression: ref('v'), compareOptions: asc }], limit: 1 })
    expect(result.limitPushed).toBe(false)
    expect(sortKeys(result.rows.map((r) => r.key as number))).toEqual([1, 2, 3])
  })
})

describe('drivers', () => {
  it('runs the same op on an async driver', async () => {
    const driver = new AsyncBetterSqliteDriver(':memory:')
    try {
      await driver.run(createRowsTableSql(1))
      // querySubset reads the collection's plain-types marker from persistdb_meta (absent: the safe path).
      await driver.run(`CREATE TABLE persistdb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`)
      for (let i = 0; i < 20; i++) {
        await driver.run(`INSERT INTO "persistdb_c1_rows" (key, value) VALUES (?, ?)`, [
          i,
          encodeValue({ score: i % 4 }),
        ])
      }
      const request: LoadSubsetOptions = {
        where: gt(ref('score'), 1),
        orderBy: [{ expression: ref('score'), compareOptions: asc }],
        limit: 2,
      }
      const { rows } = await drive(driver, querySubset('"persistdb_c1_rows"', request))
      // score > 1, lowest first, limit 2: every score-2 row (they all tie at the boundary)
      expect(sortKeys(rows.map((r) => r.key as number))).toEqual([2, 6, 10, 14, 18])
    } finally {
      driver.close()
    }
  })
})
