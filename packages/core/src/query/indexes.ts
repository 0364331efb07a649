import type { IR } from '@tanstack/db'
import { query, run, type StorageOp } from '../runner'
import { checkRowsTable } from './sql'
import { canonicalFieldSql, fieldOf, type Field } from './sql-expr'

/**
 * Persisted SQLite indexes for core's indexes. Supported shapes: a field reference at any depth (numbers,
 * strings, booleans, Dates, small bigints: one canonical expression covers every type), and lower(field) /
 * upper(field). Anything else stays an in-memory index only.
 *
 * The index is on exactly the expression the subset queries use, partial on live rows, and named after a
 * hash of that expression text: a future change of the canonical expression gets a new name instead of
 * silently leaving an index no query can use.
 */
export interface IndexDefinition {
  readonly name: string
  readonly sql: string
}

const INDEX_NAME = /^persistdb_c\d+_ix_[0-9a-f]{16}$/

export function indexDefinition(
  table: string,
  collectionNum: number,
  expression: IR.BasicExpression,
): IndexDefinition | undefined {
  if (checkRowsTable(table) !== collectionNum) {
    throw new Error(`indexDefinition: ${table} is not the rows table of collection ${collectionNum}`)
  }
  const field = fieldOf(expression)
  return field && fieldIndexDefinition(table, field)
}

/** The index of one field (stored-index.ts re-derives stored indexes through this same function). */
export function fieldIndexDefinition(table: string, field: Field): IndexDefinition {
  const collectionNum = checkRowsTable(table)
  const expr = canonicalFieldSql(field)
  const name = indexName(collectionNum, expr)
  return { name, sql: `CREATE INDEX IF NOT EXISTS "${name}" ON ${table} (${expr}) WHERE value IS NOT NULL` }
}

/** The name of the persisted index on a canonical expression (sql-expr.ts) of collection `collectionNum`. */
export function indexName(collectionNum: number, expr: string): string {
  return `persistdb_c${collectionNum}_ix_${hash64(expr)}`
}

/**
 * Read-only: the names of the persisted indexes of one collection. Subset queries pick index-friendly
 * statements (one range per statement) when the expressions they touch are indexed, and single-scan
 * statements when they are not.
 */
export function* persistedIndexNames(collectionNum: number): StorageOp<ReadonlySet<string>> {
  const rows = yield* query(`SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB ?`, [
    `persistdb_c${collectionNum}_ix_*`,
  ])
  return new Set(rows.map((row) => String(row.name)))
}

/** Read-only: does the index exist? */
export function* indexExists(name: string): StorageOp<boolean> {
  const rows = yield* query(`SELECT 1 AS found FROM sqlite_master WHERE type = 'index' AND name = ?`, [name])
  return rows.length > 0
}

/** Creates the index when missing; returns true when it wrote. Reads first, so an existing index costs no write. */
export function* ensureIndex(def: IndexDefinition): StorageOp<boolean> {
  checkName(def.name)
  if (yield* indexExists(def.name)) return false
  yield run(def.sql)
  return true
}

export function* dropIndex(name: string): StorageOp<void> {
  checkName(name)
  yield run(`DROP INDEX IF EXISTS "${name}"`)
}

function checkName(name: string): void {
  if (!INDEX_NAME.test(name)) throw new Error(`not a PersistDB index name: ${JSON.stringify(name)}`)
}

/** 64-bit FNV-1a over UTF-16 code units, as 16 hex digits: stable across runtimes and versions. */
function hash64(text: string): string {
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i))
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return h.toString(16).padStart(16, '0')
}
