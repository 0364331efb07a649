// TEMPORARY until ./query lands: returns every row (a valid superset).
import type { IR, LoadSubsetOptions } from '@tanstack/db'
type BasicExpression = IR.BasicExpression
import { query, run, type StorageOp } from './runner'
import type { StoredRow } from './store'
export interface SubsetCompareOptions {
  stringSort?: 'locale' | 'lexical'
}
export function* querySubset(
  table: string,
  _request: LoadSubsetOptions,
  _compare?: SubsetCompareOptions,
): StorageOp<readonly StoredRow[]> {
  return (yield* query(
    `SELECT key, value, meta FROM ${table} WHERE value IS NOT NULL`,
  )) as unknown as StoredRow[]
}
export function indexDefinition(
  table: string,
  num: number,
  expression: BasicExpression,
): { name: string; sql: string } | undefined {
  const e = expression as { type: string; path?: string[] }
  if (e.type !== 'ref' || !e.path) return undefined
  const name = `persistdb_c${num}_ix_${e.path.join('_')}`
  return {
    name,
    sql: `CREATE INDEX IF NOT EXISTS "${name}" ON ${table} (json_extract(value, '$.${e.path.join('.')}'))`,
  }
}
export function* ensureIndex(def: { name: string; sql: string }): StorageOp<boolean> {
  yield run(def.sql)
  return true
}
export function* dropIndex(name: string): StorageOp<void> {
  yield run(`DROP INDEX IF EXISTS "${name}"`)
}
