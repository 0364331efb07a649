import {
  ConnectionClosedError,
  errorText,
  ForeignDatabaseError,
  inspectDatabase,
  openFailure,
  sqliteFailureKind,
  type PersistenceError,
} from '@persistdb/core'
import { isClosedConnection } from './closed-connection'
import { OpSQLiteDriver } from './driver'
import type { OpSQLiteDatabase } from './op-sqlite-types'

export interface PrepareOptions {
  readonly synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'
  readonly busyTimeoutMs: number
}

/**
 * Settings a PersistDB database needs on this connection, applied before
 * core's first statement: a busy timeout (op-sqlite sets none), then a
 * refusal of a file that is not SQLite, damaged, foreign, newer or unreadable
 * before anything in it changes (core's inspectDatabase: the format, and a
 * quick_check of a file without PersistDB's tables), WAL (readers never wait
 * for the writer; a committed transaction survives the app being killed) and
 * the `synchronous` level. A file this process cannot write keeps its journal
 * mode and is served read-only: writes fail with ReadOnlyDatabaseError (the
 * write-lock table is created by the first write, see driver.ts).
 */
export async function prepareDatabase(database: OpSQLiteDatabase, options: PrepareOptions): Promise<void> {
  const file = databasePath(database)
  try {
    await database.execute(`PRAGMA busy_timeout = ${Math.floor(options.busyTimeoutMs)}`)
  } catch (error) {
    throw openError(error, file, options.busyTimeoutMs)
  }
  try {
    await inspectDatabase(new OpSQLiteDriver(database), file, options.busyTimeoutMs)
  } catch (error) {
    throw openError(error, file, options.busyTimeoutMs, 'read')
  }
  try {
    await unlessReadOnly(database.execute('PRAGMA journal_mode = WAL'))
    await database.execute(`PRAGMA synchronous = ${options.synchronous}`)
  } catch (error) {
    throw openError(error, file, options.busyTimeoutMs)
  }
}

/** The typed error for a failure while opening or preparing an op-sqlite database. */
export function openError(
  error: unknown,
  file: string | undefined,
  busyTimeoutMs?: number,
  phase?: 'read',
): PersistenceError {
  if (isClosedConnection(error)) return new ConnectionClosedError(file)
  return (
    openFailure(error, file, busyTimeoutMs, phase) ??
    new ForeignDatabaseError(
      `Could not open ${file ?? 'the database'} as a PersistDB database (${errorText(error)}). Nothing of ` +
        `PersistDB's was written; check the name and location.`,
      error,
    )
  )
}

/** A statement a read-only file refuses is skipped: the file is served for reads, writes fail typed. */
async function unlessReadOnly(statement: Promise<unknown>): Promise<void> {
  try {
    await statement
  } catch (error) {
    // Not 'read-only-directory': a WAL file there cannot even be read (Node's error says so).
    if (sqliteFailureKind(error) !== 'read-only') throw error
  }
}

function databasePath(database: OpSQLiteDatabase): string | undefined {
  try {
    return database.getDbPath()
  } catch {
    return undefined
  }
}
