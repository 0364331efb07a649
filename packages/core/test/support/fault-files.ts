/**
 * Files for the open-time fault tests of every runtime: another application's
 * SQLite database (optionally with damaged pages), its bytes' hash, and the
 * journal files SQLite would leave next to a file it changed.
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import Database from 'better-sqlite3'

export function fileSha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/**
 * Another application's SQLite database in rollback-journal mode: a `users`
 * table with `rows` rows (about 90 pages for 3000), optionally with `damaged`
 * pages (1-based, never page 1) overwritten with junk. sqlite_master stays
 * readable, so only an integrity check finds the damage.
 */
export function makeAppDatabase(file: string, options: { rows?: number; damaged?: number[] } = {}): void {
  const db = new Database(file)
  db.pragma('journal_mode = DELETE')
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)')
  const insert = db.prepare('INSERT INTO users (name) VALUES (?)')
  db.transaction(() => {
    for (let i = 0; i < (options.rows ?? 3000); i++) insert.run(`user ${i} ${'x'.repeat(100)}`)
  })()
  const pageSize = Number(db.pragma('page_size', { simple: true }))
  db.close()
  if (!options.damaged?.length) return
  const bytes = readFileSync(file)
  for (const page of options.damaged) {
    if (page < 2) throw new Error('page 1 holds the header and sqlite_master; damage another')
    bytes.fill(0xab, (page - 1) * pageSize, page * pageSize)
  }
  writeFileSync(file, bytes)
}

/** Overwrites the first 4 KiB (SQLite's header and schema page) with zeros. */
export function overwriteHeader(file: string): void {
  const fd = openSync(file, 'r+')
  writeSync(fd, Buffer.alloc(4096, 0), 0, 4096, 0)
  closeSync(fd)
}

/** A SQLite file whose persistdb_meta another program wrote (PersistDB's table name, not its marker). */
export function makeForeignMarkerDatabase(file: string): void {
  const db = new Database(file)
  db.pragma('journal_mode = DELETE')
  db.exec(
    "CREATE TABLE persistdb_meta (key TEXT, value TEXT); INSERT INTO persistdb_meta VALUES ('app', 'x')",
  )
  db.close()
}

/** Marks a PersistDB file as written by a newer PersistDB (storage format 999). */
export function markNewerFormat(file: string): void {
  const db = new Database(file)
  db.prepare(`UPDATE persistdb_meta SET value = '999' WHERE key = 'format'`).run()
  db.pragma('journal_mode = DELETE')
  db.close()
}

/** Which of SQLite's side files (-wal, -shm, -journal) exist next to `file`. */
export function sideFiles(file: string): string[] {
  return ['-wal', '-shm', '-journal'].filter((suffix) => existsSync(file + suffix))
}

/** Writes `bytes` to `file` for a driver to open; returns a reader of the file's bytes afterwards. */
export function placeFile(file: string, bytes: Uint8Array): () => Uint8Array {
  writeFileSync(file, bytes)
  return () => new Uint8Array(readFileSync(file))
}

/**
 * Tables a runtime package adds beside core's (React Native's driver takes its write lock on
 * `persistdb_write_lock`). Dropping them gives the file as another runtime wrote it, or as it was
 * before this runtime first wrote to it.
 */
const RUNTIME_TABLES = ['persistdb_write_lock']

export function keepOnlyCoreTables(file: string): void {
  const db = new Database(file)
  for (const table of RUNTIME_TABLES) db.exec(`DROP TABLE IF EXISTS "${table}"`)
  db.close()
}
