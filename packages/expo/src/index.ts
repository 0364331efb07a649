import {
  createSQLitePersistence,
  InvalidOptionsError,
  type SQLitePersistence,
  type SQLitePersistenceOptions,
} from '@persistdb/core'
import { ExpoSQLiteDriver, type ExpoConnectionSettings } from './driver'
import type { ExpoDatabase, OpenDatabaseAsync } from './expo-types'
import { openError } from './open-error'

// Everything of core (persistedCollectionOptions, typed errors, types) from one import.
export * from '@persistdb/core'
export { ExpoSQLiteDriver, type ExpoConnectionSettings } from './driver'
export type { ExpoConnection, ExpoDatabase, ExpoStatement, OpenDatabaseAsync } from './expo-types'

export type ExpoSQLitePersistenceOptions = { database: ExpoDatabase } & ExpoPersistenceSettings

export type ExpoSQLitePersistenceByNameOptions = {
  /** The database file name, as `openDatabaseAsync` takes it. */
  databaseName: string
  /** The directory, as `openDatabaseAsync` takes it (default: expo's). */
  directory?: string
} & ExpoPersistenceSettings

export type ExpoPersistenceSettings = Omit<SQLitePersistenceOptions, 'driver'> & {
  /**
   * `NORMAL` (default) in WAL mode: a committed write survives the app being
   * killed; the last commits may be lost on power loss. `FULL` also syncs
   * every commit.
   */
  synchronous?: ExpoConnectionSettings['synchronous']
  /** How long a writer waits for another connection's write lock. Default 5000 ms. */
  busyTimeoutMs?: number
}

/**
 * PersistDB on Expo over expo-sqlite 55–57. Pass a database from
 * `openDatabaseAsync`: you keep it and close it. Create one persistence per
 * database, outside components (see the README).
 */
export function createExpoSQLitePersistence(options: ExpoSQLitePersistenceOptions): SQLitePersistence {
  if (!options?.database || typeof options.database.withExclusiveTransactionAsync !== 'function') {
    throw new InvalidOptionsError(
      'createExpoSQLitePersistence needs `database`: a SQLiteDatabase from expo-sqlite `openDatabaseAsync`.',
    )
  }
  return persistenceOver(options.database, false, options)
}

/** Opens the database by name with expo-sqlite; PersistDB closes it on `close()`. */
export async function openExpoSQLitePersistence(
  options: ExpoSQLitePersistenceByNameOptions,
): Promise<SQLitePersistence> {
  // Loaded on use: importing this package never loads the native module (tests and tools import it in Node).
  return openExpoSQLitePersistenceWith(
    async (...args) => (await import('expo-sqlite')).openDatabaseAsync(...args),
    options,
  )
}

/** openExpoSQLitePersistence with expo's `openDatabaseAsync` passed in (tests pass the shim's). */
export async function openExpoSQLitePersistenceWith(
  openDatabaseAsync: OpenDatabaseAsync,
  options: ExpoSQLitePersistenceByNameOptions,
): Promise<SQLitePersistence> {
  if (typeof options?.databaseName !== 'string' || options.databaseName === '') {
    throw new InvalidOptionsError('openExpoSQLitePersistence needs `databaseName`, e.g. "app.db".')
  }
  const settings = connectionSettings(options)
  let database: ExpoDatabase
  try {
    database = await openDatabaseAsync(options.databaseName, undefined, options.directory)
  } catch (error) {
    const file = options.directory
      ? `${options.directory.replace(/\/+$/, '')}/${options.databaseName}`
      : options.databaseName
    throw openError(error, file, settings.busyTimeoutMs)
  }
  return persistenceOver(database, true, options, settings)
}

function persistenceOver(
  database: ExpoDatabase,
  owns: boolean,
  options: ExpoPersistenceSettings,
  settings = connectionSettings(options),
): SQLitePersistence {
  const { pollIntervalMs, changeLog } = options
  return createSQLitePersistence({
    driver: new ExpoSQLiteDriver(database, owns, settings),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    ...(changeLog === undefined ? {} : { changeLog }),
  })
}

function connectionSettings(options: ExpoPersistenceSettings): ExpoConnectionSettings {
  const { synchronous = 'NORMAL', busyTimeoutMs = 5000 } = options
  if (!['NORMAL', 'FULL', 'EXTRA'].includes(synchronous)) {
    throw new InvalidOptionsError(`synchronous must be NORMAL, FULL or EXTRA (got ${String(synchronous)}).`)
  }
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new InvalidOptionsError('busyTimeoutMs must be an integer >= 0.')
  }
  return { synchronous, busyTimeoutMs }
}
