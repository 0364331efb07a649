/**
 * The database as a file: `exportDatabase()` for downloading it (and reading it with the `persistdb` CLI),
 * `importDatabase()` for putting a file in place before the app opens it. Main thread only.
 */
import {
  DatabaseInUseError,
  ForeignDatabaseError,
  InvalidOptionsError,
  SQLiteEngineError,
} from '@persistdb/core'
import type { BrowserWASQLiteDatabase } from './index'
import { PersistenceUnavailableError } from './errors'
import { leaderLock, randomId } from './protocol'

/** The files SQLite (through the OPFS VFS) keeps beside a database. */
const COMPANIONS = ['-journal', '-wal'] as const
const SQLITE_HEADER = 'SQLite format 3\u0000'

/**
 * A consistent copy of the whole database as a Blob, taken while every tab keeps writing. The leader runs
 * `VACUUM INTO` on its connection as one read, queued between transactions like any other read, so the
 * copy holds exactly the transactions committed before it (none half) and pauses nobody for longer than
 * the copy takes. The copy goes through a temporary OPFS file, removed before this resolves.
 * OPFS storage only (with the IndexedDB fallback there is no file to copy).
 */
export async function exportDatabase(database: BrowserWASQLiteDatabase): Promise<Blob> {
  if (database.coordinator.storage === 'indexeddb') {
    throw new PersistenceUnavailableError(
      'exportDatabase copies the OPFS file; this tab stores the database in IndexedDB (fallback)',
    )
  }
  const name = `${database.databaseName}.export-${randomId()}`
  await vacuumInto(database, name)
  const { dir, file } = await locate(name)
  try {
    const copy = await (await dir.getFileHandle(file)).getFile()
    // Read it all before the temporary file is removed (a File from OPFS is only a view of it).
    return new Blob([await copy.arrayBuffer()], { type: 'application/vnd.sqlite3' })
  } finally {
    for (const suffix of ['', ...COMPANIONS]) await dir.removeEntry(file + suffix).catch(() => undefined)
  }
}

/**
 * OPFSCoopSyncVFS sets up a new file's access handles asynchronously and answers the first open with
 * SQLITE_BUSY; wa-sqlite retries its own open and step calls, but not the open VACUUM INTO makes inside
 * the statement. Run once more after that answer: by then the handles are ready. Bounded.
 */
async function vacuumInto(database: BrowserWASQLiteDatabase, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await database.driver.all('VACUUM INTO ?', [name])
      return
    } catch (error) {
      if (!isBusy(error) || attempt === 3) throw error
    }
  }
}

/**
 * Replaces database `databaseName` with `file` (a SQLite file, e.g. one `exportDatabase` or the CLI's
 * `persistdb import` wrote). Only while no tab has the database open: it takes the leader's Web Lock
 * itself, so no worker can open the file meanwhile, and rejects with DatabaseInUseError
 * (`PERSISTDB_DATABASE_IN_USE`) when a tab leads it. The old WAL and journal are removed first (SQLite
 * would otherwise replay them onto the new file); the file itself is replaced by OPFS's atomic write
 * (a writable stream lands on close), so it holds the old or the new database, never a mix.
 */
export async function importDatabase(options: { databaseName: string; file: Blob }): Promise<void> {
  const { databaseName, file } = options ?? {}
  if (typeof databaseName !== 'string' || databaseName === '' || !(file instanceof Blob)) {
    throw new InvalidOptionsError('importDatabase needs `databaseName` (a string) and `file` (a Blob).')
  }
  const header = new TextDecoder('latin1').decode(await file.slice(0, 16).arrayBuffer())
  if (header !== SQLITE_HEADER) {
    throw new ForeignDatabaseError(
      `The file given to importDatabase is not a SQLite database; database "${databaseName}" was not changed.`,
    )
  }
  await navigator.locks.request(leaderLock(databaseName), { ifAvailable: true }, async (lock) => {
    if (!lock) {
      throw new DatabaseInUseError(
        `Database "${databaseName}" is open in a tab; close every tab using it (or import before the app ` +
          `opens it). Nothing was changed.`,
      )
    }
    const { dir, file: name } = await locate(databaseName, true)
    try {
      for (const suffix of COMPANIONS) await dir.removeEntry(name + suffix).catch(ignoreNotFound)
      const target = await dir.getFileHandle(name, { create: true })
      const writable = await target.createWritable({ keepExistingData: false })
      try {
        await writable.write(file)
        await writable.close()
      } catch (error) {
        await writable.abort().catch(() => undefined)
        throw error
      }
    } catch (error) {
      if (error instanceof DOMException && error.name === 'NoModificationAllowedError') {
        throw new DatabaseInUseError(
          `Database "${databaseName}" is still held by a tab that just closed; try again in a moment.`,
          error,
        )
      }
      throw error
    }
  })
}

/** The OPFS directory and file name the VFS uses for a database name (its path, relative to the root). */
async function locate(
  path: string,
  create = false,
): Promise<{ dir: FileSystemDirectoryHandle; file: string }> {
  const parts = new URL(path, 'file://').pathname.split('/').filter((p) => p !== '')
  const file = parts.pop()
  if (!file) throw new InvalidOptionsError(`"${path}" does not name a database file.`)
  let dir = await navigator.storage.getDirectory()
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create })
  return { dir, file }
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error
}

/**
 * The leader's engine errors arrive revived as SQLiteEngineError with the engine's code (SQLITE_BUSY); older
 * envelopes carried the number (SQLITE_5).
 */
function isBusy(error: unknown): boolean {
  const code =
    error instanceof SQLiteEngineError ? error.engineCode : (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_5'
}
