import { errorText, ForeignDatabaseError, isPersistenceVerdict, readStorageFormat } from '@persistdb/core'
import { OpSQLiteDriver, WRITE_LOCK_TABLE } from './driver'
import type { OpSQLiteDatabase } from './op-sqlite-types'

export interface PrepareOptions {
  readonly synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'
  readonly busyTimeoutMs: number
}

/**
 * Settings a PersistDB database needs on this connection, applied before
 * core's first statement: a refusal of a foreign or newer file before
 * anything in it changes, a busy timeout (op-sqlite sets none), WAL (readers
 * never wait for the writer; a committed transaction survives the app being
 * killed), the `synchronous` level, and the table the write lock is taken on.
 */
export async function prepareDatabase(database: OpSQLiteDatabase, options: PrepareOptions): Promise<void> {
  try {
    await readStorageFormat(new OpSQLiteDriver(database))
    await database.execute(`PRAGMA busy_timeout = ${Math.floor(options.busyTimeoutMs)}`)
    await database.execute('PRAGMA journal_mode = WAL')
    await database.execute(`PRAGMA synchronous = ${options.synchronous}`)
    await database.execute(`CREATE TABLE IF NOT EXISTS ${WRITE_LOCK_TABLE} (id INTEGER PRIMARY KEY)`)
  } catch (error) {
    if (isPersistenceVerdict(error)) throw error
    throw new ForeignDatabaseError(
      `Could not open ${database.getDbPath()} as a PersistDB database (${errorText(error)}). It is not a ` +
        `SQLite file, or it is damaged or not writable; nothing of PersistDB's was written.`,
      error,
    )
  }
}
