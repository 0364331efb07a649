import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCollection } from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '@persistdb/node'

export function tempDir(prefix = 'persistdb-cli-'): { file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * A collection `big` of `rows` rows: created by the real Node runtime (so the format is the runtime's),
 * then filled with one INSERT ... SELECT over a recursive CTE (a million rows in seconds). Values are
 * what the codec writes for { id, n, label }.
 */
export async function writeBigDatabase(path: string, rows: number): Promise<void> {
  const persistence = createNodeSQLitePersistence({ path })
  const big = createCollection(
    persistedCollectionOptions<{ id: number; n: number; label: string }, number>({
      id: 'big',
      getKey: (r) => r.id,
      persistence,
      schemaVersion: 1,
    }),
  )
  await big.preload()
  await big.cleanup()
  await persistence.close()
  const db = new Database(path)
  const table = db.prepare(`SELECT id FROM persistdb_collections WHERE name = 'big'`).pluck().get() as number
  db.exec(`
    WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${rows})
    INSERT INTO persistdb_c${table}_rows (key, value)
    SELECT i, json_object('id', i, 'n', i * 7, 'label', 'row ' || i) FROM seq`)
  db.close()
}

/** Runs `body` while another connection holds an open write transaction with an uncommitted row. */
export function holdWriteLock(path: string): { release(): void; commit(): void } {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec('BEGIN IMMEDIATE')
  const table = db
    .prepare(`SELECT id FROM persistdb_collections WHERE name = 'todos'`)
    .pluck()
    .get() as number
  db.prepare(
    `INSERT INTO persistdb_c${table}_rows (key, value) VALUES ('uncommitted', '{"id":"uncommitted"}')`,
  ).run()
  return {
    release() {
      if (db.inTransaction) db.exec('ROLLBACK')
      db.close()
    },
    commit() {
      db.exec('COMMIT')
      db.close()
    },
  }
}
