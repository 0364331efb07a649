import {
  createSQLitePersistence,
  errorText,
  InvalidOptionsError,
  ReadOnlyDatabaseError,
  type SQLiteLimits,
  type SQLitePersistence,
  type SQLitePersistenceOptions,
} from '@persistdb/core'
import { OpSQLiteDriver } from './driver'
import type { OpSQLiteDatabase, OpSQLiteOpen } from './op-sqlite-types'
import { openError, prepareDatabase } from './prepare-database'

export type ReactNativeSQLitePersistenceOptions = (
  | {
      /** An open op-sqlite database (`open({ name })`); you keep ownership and close it. */
      database: OpSQLiteDatabase
    }
  | {
      /** The database file name; PersistDB opens it with op-sqlite and closes it on `close()`. */
      name: string
      /** op-sqlite's `location` (a directory, or `':memory:'`). */
      location?: string
    }
) &
  Omit<SQLitePersistenceOptions, 'driver'> & {
    /**
     * `NORMAL` (default) in WAL mode: a committed transaction survives the app
     * being killed; the last ones may be lost on power loss. `FULL` also
     * fsyncs each commit.
     */
    synchronous?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'
    /** How long a writer waits for another connection's write lock. Default 5000 ms. */
    busyTimeoutMs?: number
    /** The engine's limits, where they differ from op-sqlite's bundled SQLite (OP_SQLITE_LIMITS). */
    limits?: Partial<SQLiteLimits>
  }

/** createReactNativeSQLitePersistence with op-sqlite's `open` passed in (tests run it over each installed version). */
export function createPersistence(
  open: OpSQLiteOpen,
  options: ReactNativeSQLitePersistenceOptions,
): SQLitePersistence {
  if (!options || typeof options !== 'object') {
    throw new InvalidOptionsError('createReactNativeSQLitePersistence needs an options object.')
  }
  const { synchronous = 'NORMAL', busyTimeoutMs = 5000, limits, pollIntervalMs, changeLog } = options
  if (!['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(synchronous)) {
    throw new InvalidOptionsError(
      `synchronous must be OFF, NORMAL, FULL or EXTRA (got ${String(synchronous)}).`,
    )
  }
  if (!Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new InvalidOptionsError('busyTimeoutMs must be a finite number >= 0.')
  }
  let database: OpSQLiteDatabase
  let ownsDatabase = false
  if ('database' in options && options.database) {
    database = options.database
    if (typeof database.execute !== 'function' || typeof database.transaction !== 'function') {
      throw new InvalidOptionsError(
        '`database` must be an op-sqlite database from `open({ name })` (it needs execute and transaction).',
      )
    }
  } else if ('name' in options && typeof options.name === 'string' && options.name !== '') {
    database = openDatabase(open, options.name, options.location)
    ownsDatabase = true
  } else {
    throw new InvalidOptionsError(
      'createReactNativeSQLitePersistence needs `database` (an open op-sqlite database) or `name`.',
    )
  }
  const driver = new OpSQLiteDriver(database, {
    ownsDatabase,
    ...(limits ? { limits } : {}),
    prepare: (db) => prepareDatabase(db, { synchronous, busyTimeoutMs }),
  })
  return createSQLitePersistence({
    driver,
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    ...(changeLog === undefined ? {} : { changeLog }),
  })
}

/**
 * op-sqlite opens (creating the file and its location directory) at `open`;
 * what fails there gets its typed error. A location that cannot be created
 * (a read-only parent) is a file that cannot be created.
 */
function openDatabase(open: OpSQLiteOpen, name: string, location: string | undefined): OpSQLiteDatabase {
  try {
    return open(location === undefined ? { name } : { name, location })
  } catch (error) {
    const file = location === undefined ? name : `${location.replace(/\/+$/, '')}/${name}`
    if (isPermissionDenied(error)) throw new ReadOnlyDatabaseError(file, 'cannot-create', error)
    throw openError(error, file)
  }
}

/** The Node build's mkdir fails with EACCES; the native build's std::filesystem with "Permission denied". */
function isPermissionDenied(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(errorText(error))
}
