import Database from 'better-sqlite3'
import {
  createSQLitePersistence,
  errorText,
  ForeignDatabaseError,
  inspectDatabase,
  InvalidOptionsError,
  openFailure,
  sqliteFailureKind,
  type SQLitePersistence,
  type SQLitePersistenceOptions,
} from '@persistdb/core'
import { BetterSqlite3Driver } from './driver'
import { fileIdentityGuard, isFileBacked, type FileIdentityGuard } from './file-identity'
import { assertOpen, openDatabaseFile } from './open-file'

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
    assertOpen(database)
  } else if ('path' in rest && typeof rest.path === 'string') {
    database = openDatabaseFile(rest.path)
    owns = true
  } else {
    throw new InvalidOptionsError(
      'createNodeSQLitePersistence needs `database` (a better-sqlite3 Database) or `path`.',
    )
  }
  const driver = new BetterSqlite3Driver(database, owns)
  const file = database.name
  const fileBacked = isFileBacked(file)
  let guard: FileIdentityGuard | undefined
  /** Set once created: the file watch asks it to look at the file. */
  const created: { persistence?: SQLitePersistence } = {}
  try {
    database.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`)
    // Refuse a foreign, damaged or unreadable file before changing anything in it (journal_mode is persistent).
    inspectDatabase(driver, file, busyTimeoutMs)
    if (fileBacked) switchToWal(database)
    database.pragma(`synchronous = ${synchronous}`)
    // A touched file is looked at right away: collections learn of a deleted file without a write.
    if (fileBacked) guard = fileIdentityGuard(file, () => void created.persistence?.poll())
  } catch (error) {
    driver.close()
    throw (
      openFailure(error, file, busyTimeoutMs) ??
      new ForeignDatabaseError(
        `Could not open ${file} as a SQLite database (${errorText(error)}). Nothing was changed; check the path ` +
          `and the file, or point PersistDB at a new file.`,
        error,
      )
    )
  }
  const { pollIntervalMs, changeLog } = rest
  const persistence = createSQLitePersistence({
    driver,
    file,
    ...(guard ? { fileCheck: guard.check, commitCheck: guard.check } : {}),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    ...(changeLog === undefined ? {} : { changeLog }),
  })
  if (guard) {
    const close = persistence.close.bind(persistence)
    const unwatch = guard.close
    persistence.close = () => {
      unwatch()
      return close()
    }
  }
  created.persistence = persistence
  return persistence
}

/**
 * WAL for concurrent readers and crash safety. A file this process cannot
 * write keeps its journal mode: it is served read-only (writes fail with
 * ReadOnlyDatabaseError and change nothing).
 */
function switchToWal(database: Database.Database): void {
  try {
    database.pragma('journal_mode = WAL')
  } catch (error) {
    const kind = sqliteFailureKind(error)
    if (kind !== 'read-only') throw error
  }
}
