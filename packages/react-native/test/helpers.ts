import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCollection } from '@tanstack/db'
import { open as open18 } from '@op-engineering/op-sqlite'
import { decodeKey, persistedCollectionOptions, type SQLitePersistence } from '@persistdb/core'
import { open as open15 } from 'op-sqlite-15'
import { OpSQLiteDriver } from '../src/driver'
import type { OpSQLiteDatabase, OpSQLiteOpen } from '../src/op-sqlite-types'
import { prepareDatabase } from '../src/prepare-database'

/** An engine the package's tests run on: op-sqlite's `open` and what it really is here. */
export interface Engine {
  readonly label: string
  readonly open: OpSQLiteOpen
  /** The npm package whose Node build this is (child processes load it by path). */
  readonly nodeBuild?: '@op-engineering/op-sqlite' | 'op-sqlite-15'
}

/**
 * op-sqlite's real JS API from its Node build (the package's `node` export,
 * over better-sqlite3), for each major version installed: 18 under its own
 * name, 15 through the `op-sqlite-15` npm alias. Both Node builds were added
 * in 15.2.0; shims.ts covers what they cannot show.
 */
export const NODE_BUILDS: readonly Engine[] = [
  {
    label: 'op-sqlite 18.2.5 (Node build over better-sqlite3)',
    open: open18,
    nodeBuild: '@op-engineering/op-sqlite',
  },
  { label: 'op-sqlite 15.2.14 (Node build over better-sqlite3)', open: open15, nodeBuild: 'op-sqlite-15' },
]

export function tempDir(prefix = 'persistdb-rn-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A driver as the package builds it (settings applied before the first statement), owning its database. */
export function driverOn(database: OpSQLiteDatabase): OpSQLiteDriver {
  return new OpSQLiteDriver(database, {
    ownsDatabase: true,
    prepare: (db) => prepareDatabase(db, { synchronous: 'NORMAL', busyTimeoutMs: 5000 }),
  })
}

/** Resolves after `check()` holds, polling on macrotasks; fails after `ms`. */
export async function eventually(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export interface Note {
  id: string
  text: string
}

/** A local-only collection of notes on `persistence` (what a screen would mount). */
export function openNotes(persistence: SQLitePersistence, id = 'notes') {
  return createCollection(persistedCollectionOptions<Note, string>({ id, getKey: (n) => n.id, persistence }))
}

/** The note keys stored in `file`, read by a separate SQLite connection: what is on disk now. */
export function keysOnDisk(file: string, collection = 'notes'): string[] {
  const db = new Database(file, { readonly: true })
  try {
    const found = db.prepare('SELECT id FROM persistdb_collections WHERE name = ?').get(collection) as
      { id: number } | undefined
    if (!found) return []
    const rows = db
      .prepare(`SELECT key FROM "persistdb_c${found.id}_rows" WHERE value IS NOT NULL`)
      .all() as { key: string }[]
    return rows.map((r) => String(decodeKey(r.key))).sort()
  } finally {
    db.close()
  }
}
