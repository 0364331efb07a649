import Database from 'better-sqlite3'
import {
  createSQLitePersistence,
  errorText,
  ForeignDatabaseError,
  InvalidOptionsError,
  isPersistenceVerdict,
  readStorageFormat,
  type SQLitePersistence,
  type SQLitePersistenceOptions,
} from '@persistdb/core'
import { BetterSqlite3Driver } from './driver'

// Everything of core (persistedCollectionOptions, typed errors, types) from one import.
export * from '@persistdb/core'
export { BetterSqlite3Driver } from './driver'

export type NodeSQLitePersistenceOptions = ({ database: Database.Database } | { path: string }) &
  Omit<SQLitePersistenceOptions, 'driver'> & {
    /**
     * `NORMAL` (default) is durable against process crashes in WAL mode (a
     * committed write survives SIGKILL) but may lose the last commits on power
     * loss; `FULL` also fsyncs each commit.
     */
    synchronous?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'
    /** How long a writer waits for another writer's lock. Default 5000 ms. */
    busyTimeoutMs?: number
  }

/**
 * PersistDB on Node with better-sqlite3 12. Pass an open `Database` (you keep
 * ownership and close it) or a `path` (PersistDB opens and closes it).
 */
export function createNodeSQLitePersistence(options: NodeSQLitePersistenceOptions): SQLitePersistence {
  const { synchronous = 'NORMAL', busyTimeoutMs = 5000, ...rest } = options
  if (!['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(synchronous)) {
    throw new InvalidOptionsError(
      `synchronous must be OFF, NORMAL, FULL or EXTRA (got ${String(synchronous)}).`,
    )
  }
  if (!Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new InvalidOptionsError(`busyTimeoutMs must be a finite number >= 0.`)
  }
  let database: Database.Database
  let owns = false
  if ('database' in rest && rest.database) {
    database = rest.database
  } else if ('path' in rest && typeof rest.path === 'string') {
    database = new Database(rest.path)
    owns = true
  } else {
    throw new InvalidOptionsError(
      'createNodeSQLitePersistence needs `database` (a better-sqlite3 Database) or `path`.',
    )
  }
  const driver = new BetterSqlite3Driver(database, owns)
  try {
    database.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`)
    // Refuse a foreign or unreadable file before changing anything in it (journal_mode is persistent).
    readStorageFormat(driver)
    if (database.name !== ':memory:' && database.name !== '') database.pragma('journal_mode = WAL')
    database.pragma(`synchronous = ${synchronous}`)
  } catch (error) {
    driver.close()
    if (isPersistenceVerdict(error)) throw error
    throw new ForeignDatabaseError(
      `Could not open ${database.name} as a SQLite database (${errorText(error)}). It is not a SQLite file or it ` +
        `is damaged; nothing was changed.`,
      error,
    )
  }
  const { pollIntervalMs, changeLog } = rest
  return createSQLitePersistence({
    driver,
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    ...(changeLog === undefined ? {} : { changeLog }),
  })
}
