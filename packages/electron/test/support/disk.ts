/** What is on disk, read with a separate read-only connection (never through the code under test). */
import { readdirSync } from 'node:fs'
import Database from 'better-sqlite3'
import { decodeKey, decodeValue } from '@persistdb/core'

function read<T>(file: string, body: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return body(db)
  } finally {
    db.close()
  }
}

/** A collection's stored rows (decoded), by key. */
export function diskRows(file: string, collection: string): Map<unknown, unknown> {
  return read(file, (db) => {
    const found = db.prepare('SELECT id FROM persistdb_collections WHERE name = ?').get(collection) as
      { id: number } | undefined
    const rows = new Map<unknown, unknown>()
    if (!found) return rows
    const stored = db
      .prepare(`SELECT key, value FROM "persistdb_c${found.id}_rows" WHERE value IS NOT NULL`)
      .all() as Array<{ key: unknown; value: string }>
    for (const row of stored) rows.set(decodeKey(row.key as never), decodeValue(row.value))
    return rows
  })
}

/** Change-log entries per collection name. */
export function changeLogEntries(file: string, collection: string): number {
  return read(file, (db) => {
    const found = db.prepare('SELECT id FROM persistdb_collections WHERE name = ?').get(collection) as
      { id: number } | undefined
    if (!found) return 0
    return Number(
      (
        db.prepare('SELECT count(*) AS n FROM persistdb_changes WHERE collection = ?').get(found.id) as {
          n: number
        }
      ).n,
    )
  })
}

/**
 * Everything the file holds: its schema and every row of every table, as one
 * string (what a hostile request must leave unchanged), plus the files in its
 * folder (what it must not create).
 */
export function databaseContent(file: string): {
  schema: unknown[]
  tables: Record<string, unknown[]>
  files: string[]
} {
  const content = read(file, (db) => {
    const schema = db
      .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
      .all() as Array<{
      type: string
      name: string
    }>
    const tables: Record<string, unknown[]> = {}
    for (const { type, name } of schema)
      if (type === 'table') tables[name] = db.prepare(`SELECT * FROM "${name}"`).raw().all()
    return { schema, tables }
  })
  const dir = file.slice(0, file.lastIndexOf('/'))
  return { ...content, files: readdirSync(dir).sort() }
}
