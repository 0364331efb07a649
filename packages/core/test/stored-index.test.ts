/**
 * readStoredIndex (the inspector's index check) against real SQLite: every index this build creates reads
 * back as its own field, whatever the path; changed SQL, a foreign name or another table is reported.
 */
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fieldIndex, readStoredIndex, describeField } from '../src/query/stored-index'
import { createRowsTableSql, rowsTable } from '../src/schema'
import type { IndexedField } from '../src/query/stored-index'

const RUNS = Number(process.env.PERSISTDB_QUERY_RUNS ?? 200)

function storedSql(db: Database.Database, name: string): string | null {
  return db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).pluck().get(name) as string | null
}

const segment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.constantFrom('a.b', `a"b`, `a\\b`, `'`, 'é😀', 'title', '$pdb', 'v', 'x y'),
)
const field = fc.record({
  fn: fc.constantFrom('field' as const, 'lower' as const, 'upper' as const),
  path: fc.array(segment, { minLength: 1, maxLength: 3 }),
})

describe('readStoredIndex', () => {
  it('property: an index created for a field reads back as that field, in a real SQLite file', () => {
    const db = new Database(':memory:')
    db.exec(createRowsTableSql(1))
    const table = rowsTable(1)
    let checked = 0
    fc.assert(
      fc.property(field, (f: IndexedField) => {
        const def = fieldIndex(table, f)
        if (!def) return // a path SQLite cannot read exactly is never indexed
        db.exec(def.sql)
        const stored = readStoredIndex(table, def.name, storedSql(db, def.name))
        expect(stored).toEqual({ ok: true, name: def.name, field: f })
        db.exec(`DROP INDEX "${def.name}"`)
        checked++
      }),
      { numRuns: RUNS },
    )
    expect(checked).toBeGreaterThan(RUNS / 2)
    db.close()
  })

  it('reports SQL that differs from the definition, a wrong name and another table', () => {
    const db = new Database(':memory:')
    db.exec(createRowsTableSql(1))
    db.exec(createRowsTableSql(2))
    const table = rowsTable(1)
    const title: IndexedField = { fn: 'lower', path: ['title'] }
    const def = fieldIndex(table, title)!
    db.exec(def.sql)
    expect(readStoredIndex(table, def.name, storedSql(db, def.name))).toMatchObject({ ok: true })
    expect(describeField(title)).toBe('lower(title)')

    // Same name, same path, but not the canonical expression (lower() without the case specials).
    const edited = storedSql(db, def.name)!
      .replace(/replace\(/, 'trim(replace(')
      .replace(/\) ELSE/, ')) ELSE')
    expect(readStoredIndex(table, def.name, edited)).toMatchObject({
      ok: false,
      problem: 'does not match the definition of lower(title) (its SQL was changed)',
    })
    const renamed = def.name.replace(/.$/, (c) => (c === '0' ? '1' : '0'))
    expect(
      readStoredIndex(table, renamed, storedSql(db, def.name)!.replace(def.name, renamed)),
    ).toMatchObject({
      ok: false,
      problem: expect.stringContaining('its definition is named'),
    })
    expect(readStoredIndex(rowsTable(2), def.name, storedSql(db, def.name))).toMatchObject({
      ok: false,
      problem: 'is not on "persistdb_c2_rows"',
    })
    expect(readStoredIndex(table, def.name, null)).toMatchObject({ ok: false })
    db.close()
  })
})
