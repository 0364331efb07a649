import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import {
  ConnectionClosedError,
  MissingDirectoryError,
  ReadOnlyDatabaseError,
  sqliteFailureKind,
} from '@persistdb/core'
import { isFileBacked } from './file-identity'

/** Opens `path` with better-sqlite3, turning each way that can fail into its typed error. */
export function openDatabaseFile(path: string): Database.Database {
  if (isFileBacked(path)) {
    const directory = dirname(resolve(path))
    if (!existsSync(directory)) throw new MissingDirectoryError(path, directory)
  }
  try {
    return new Database(path)
  } catch (error) {
    // SQLite opens a read-only file read-only; it fails only when it must create the file and cannot.
    const kind = sqliteFailureKind(error)
    if ((error as { code?: unknown }).code === 'SQLITE_CANTOPEN' && !existsSync(path))
      throw new ReadOnlyDatabaseError(path, 'cannot-create', error)
    if (kind === 'read-only' || kind === 'read-only-directory')
      throw new ReadOnlyDatabaseError(path, 'cannot-create', error)
    throw error
  }
}

/** A connection the caller passed in must be open. */
export function assertOpen(database: Database.Database): void {
  if (!database.open) throw new ConnectionClosedError(database.name)
}
