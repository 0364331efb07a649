import { IR, compileSingleRowExpression, toBooleanPredicate, type LoadSubsetOptions } from '@tanstack/db'
import { expect } from 'vitest'
import type { SQLiteRow, SQLiteValue } from '../../src'
import { encodeValue } from '../../src/codec'
import { compileSubset, ensureIndex, indexDefinition, runSubset } from '../../src/query'
import type { SubsetCompareOptions, SubsetResult } from '../../src/query'
import { drive, expectSync, type StorageOp } from '../../src/runner'
import { createRowsTableSql, rowsTable } from '../../src/schema'
import { mayReadAsUnknown } from '../../src/store'
import { BetterSqliteTestDriver } from './sqlite-test-driver'

/** A rows table (same DDL as schema.ts) on a real in-memory SQLite, for the query tests. */
export class QueryFixture {
  readonly driver = new CountingDriver()
  readonly num = 1
  readonly table = rowsTable(1)

  constructor() {
    this.driver.db.exec(createRowsTableSql(this.num))
  }

  insert(rows: Iterable<readonly [string | number, unknown]>): void {
    const statement = this.driver.db.prepare(
      `INSERT OR REPLACE INTO ${this.table} (key, value, meta) VALUES (?, ?, NULL)`,
    )
    this.driver.db.transaction(() => {
      for (const [key, value] of rows) statement.run(key, encodeValue(value))
    })()
  }

  /** A key that carries row metadata but no row: must never be returned. */
  insertMetadataOnly(key: string | number): void {
    this.driver.db.prepare(`INSERT INTO ${this.table} (key, value, meta) VALUES (?, NULL, '{}')`).run(key)
  }

  run<T>(op: StorageOp<T>): T {
    return expectSync(drive(this.driver, op), 'test op')
  }

  /**
   * Planned like querySubset: with the indexes the table really has and the plain-types marker the write
   * path would hold (both read past the counters).
   */
  subset(request: LoadSubsetOptions, compare?: SubsetCompareOptions): SubsetResult {
    const options = { indexes: this.indexNames(), knownTypes: this.plainTypes() }
    return this.run(runSubset(compileSubset(this.table, request, compare, options)))
  }

  /** What store.ts records: no stored row may read as "unknown". */
  plainTypes(): boolean {
    const rows = this.driver.db.prepare(`SELECT value FROM ${this.table} WHERE value IS NOT NULL`).all()
    return (rows as Array<{ value: string }>).every((row) => !mayReadAsUnknown(row.value))
  }

  indexNames(): ReadonlySet<string> {
    const rows = this.driver.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB ?`)
      .all(`persistdb_c${this.num}_ix_*`) as Array<{ name: string }>
    return new Set(rows.map((row) => row.name))
  }

  keys(request: LoadSubsetOptions, compare?: SubsetCompareOptions): Array<string | number> {
    return sortKeys(this.subset(request, compare).rows.map((r) => r.key as string | number))
  }

  index(expression: IR.BasicExpression): string {
    const def = indexDefinition(this.table, this.num, expression)
    if (!def) throw new Error('expression cannot be indexed')
    this.run(ensureIndex(def))
    return def.name
  }

  explain(sql: string, params: readonly SQLiteValue[]): string {
    const rows = this.driver.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{
      detail: string
    }>
    return rows.map((r) => r.detail).join(' | ')
  }

  close(): void {
    this.driver.close()
  }
}

/** Counts the rows every statement hands back to JS, and the statements run. */
export class CountingDriver extends BetterSqliteTestDriver {
  rowsReturned = 0
  statements: Array<{ sql: string; params: readonly SQLiteValue[] }> = []
  writes: string[] = []

  constructor() {
    super(':memory:', 'sync')
  }

  override all(sql: string, params: readonly SQLiteValue[] = []) {
    this.statements.push({ sql, params })
    return super.all(sql, params)
  }

  protected override resultOf(_sql: string, _statement: unknown, rows: SQLiteRow[]): unknown {
    this.rowsReturned += rows.length
    return rows
  }

  override run(sql: string, params: readonly SQLiteValue[] = []) {
    this.writes.push(sql)
    return super.run(sql, params)
  }

  reset(): void {
    this.rowsReturned = 0
    this.statements = []
    this.writes = []
  }
}

/** Core's own WHERE evaluation (the oracle). */
export function coreMatches(where: IR.BasicExpression<boolean> | undefined, row: object): boolean {
  if (!where) return true
  try {
    return toBooleanPredicate(compileSingleRowExpression(where)(row as Record<string, unknown>))
  } catch {
    return false
  }
}

export function sortKeys(keys: Array<string | number>): Array<string | number> {
  return keys.sort((a, b) =>
    typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1,
  )
}

export type Row = readonly [string | number, Record<string, unknown>]

export const ref = (...path: string[]) => new IR.PropRef(path)

/** Asserts the SQL answer contains core's answer, and equals it when reported exact. */
export function checkWhere(fixture: QueryFixture, rows: readonly Row[], where: IR.BasicExpression<boolean>) {
  const result = fixture.subset({ where })
  const got = sortKeys(result.rows.map((r) => r.key as string | number))
  const truth = sortKeys(rows.filter(([, v]) => coreMatches(where, v)).map(([k]) => k))
  expect(got).toEqual(expect.arrayContaining(truth))
  if (result.exact) expect(got).toEqual(truth)
  return { got, truth, result, compiled: compileSubset(fixture.table, { where }) }
}
