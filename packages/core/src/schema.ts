import { DriverResultError, ForeignDatabaseError, StorageFormatError, errorText } from './errors'
import { query, run, type StorageOp } from './runner'
import { openFailure } from './sqlite-failure'

/**
 * The storage format PersistDB owns. Every table is prefixed `persistdb_` so
 * a database shared with the application's own tables is never disturbed.
 * Forward migrations run in order inside one transaction; a file written by a
 * newer format is refused rather than guessed at.
 */
export const STORAGE_FORMAT = 1
const APP_MARKER = 'persistdb'

const MIGRATIONS: ReadonlyArray<readonly string[]> = [
  // 0 -> 1
  [
    `CREATE TABLE IF NOT EXISTS persistdb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
    // One row per collection. `id` names its tables (c<id>_rows); the user's
    // collection id (`name`) is only ever bound as a parameter.
    `CREATE TABLE IF NOT EXISTS persistdb_collections (
       id INTEGER PRIMARY KEY,
       name TEXT NOT NULL UNIQUE,
       schema_version INTEGER NOT NULL,
       kind TEXT NOT NULL,
       resync_required INTEGER NOT NULL DEFAULT 0,
       created_at INTEGER NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS persistdb_collection_meta (
       collection INTEGER NOT NULL,
       key TEXT NOT NULL,
       value TEXT NOT NULL,
       PRIMARY KEY (collection, key)
     ) WITHOUT ROWID`,
    // The change log: one entry per committed transaction, numbered by SQLite
    // under the write lock, so two writers can never share a position. Pruning
    // never deletes the newest entry, so max(seq)+1 never hands out a number
    // twice without the cost of AUTOINCREMENT.
    `CREATE TABLE IF NOT EXISTS persistdb_changes (
       seq INTEGER PRIMARY KEY,
       collection INTEGER NOT NULL,
       writer TEXT NOT NULL,
       keys TEXT,
       at INTEGER NOT NULL
     )`,
  ],
]

/** Read-only check: does the file need migrating? Never takes the write lock when it does not. */
export function* readFormat(file?: string): StorageOp<number> {
  let tables
  try {
    tables = yield* query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'persistdb_meta'`)
  } catch (error) {
    // A driver answering in a shape PersistDB does not read is the driver's problem, not the file's.
    if (error instanceof DriverResultError) throw error
    // Each cause its own error: a healthy read-only or locked file is never called damaged.
    throw (
      openFailure(error, file) ??
      new ForeignDatabaseError(
        `The database file could not be read as SQLite (${errorText(error)}). Nothing was changed; check the ` +
          `path and the file, or point PersistDB at a new file.`,
        error,
      )
    )
  }
  if (tables.length === 0) return 0
  const rows = yield* query(`SELECT key, value FROM persistdb_meta WHERE key IN ('app', 'format')`)
  const meta = new Map(rows.map((r) => [String(r.key), String(r.value)]))
  if (meta.get('app') !== APP_MARKER) {
    throw new ForeignDatabaseError(
      `The database has a persistdb_meta table that PersistDB did not write. Use another file.`,
    )
  }
  const format = Number(meta.get('format'))
  if (!Number.isInteger(format) || format < 1) {
    throw new StorageFormatError(`The PersistDB format marker is damaged ("${meta.get('format')}").`)
  }
  return format
}

/** A file written by a newer PersistDB: refused before anything in it changes. */
export function newerFormatError(format: number): StorageFormatError {
  return new StorageFormatError(
    `The database was written by a newer PersistDB (storage format ${format}; this build reads up to ` +
      `${STORAGE_FORMAT}). Upgrade @persistdb packages; the file was not changed.`,
  )
}

/** Brings the file to STORAGE_FORMAT. Runs inside a write transaction. */
export function* migrate(): StorageOp<void> {
  const current = yield* readFormat()
  if (current > STORAGE_FORMAT) throw newerFormatError(current)
  for (let version = current; version < STORAGE_FORMAT; version++) {
    for (const sql of MIGRATIONS[version]!) yield run(sql)
  }
  if (current < STORAGE_FORMAT) {
    yield run(`INSERT OR REPLACE INTO persistdb_meta (key, value) VALUES ('app', ?), ('format', ?)`, [
      APP_MARKER,
      String(STORAGE_FORMAT),
    ])
  }
}

/** Table names derive from the numeric collection id only: nothing user-supplied reaches SQL text. */
export function rowsTable(collectionId: number): string {
  if (!Number.isSafeInteger(collectionId) || collectionId < 1)
    throw new Error(`bad collection number ${collectionId}`)
  return `"persistdb_c${collectionId}_rows"`
}

export function createRowsTableSql(collectionId: number): string {
  // `key` has no declared type (no affinity): 1 and '1' stay distinct keys,
  // numbers sort numerically (9 before 10). `value` NULL marks a key that
  // carries row metadata but no row.
  return `CREATE TABLE IF NOT EXISTS ${rowsTable(collectionId)} (key NOT NULL PRIMARY KEY, value TEXT, meta TEXT) WITHOUT ROWID`
}
