import {
  createSQLitePersistence,
  InvalidOptionsError,
  type SQLitePersistence,
  type SQLitePersistenceOptions,
} from '@persistdb/core'
import { BrowserCollectionCoordinator, type BrowserCoordinatorOptions } from './coordinator'
import { BrowserWASQLiteDriver } from './driver'
import { requestPersistentStorage, type PersistentStorage } from './persistent-storage'

// Everything of core (persistedCollectionOptions, typed errors, types) from one import.
export * from '@persistdb/core'
export { BrowserCollectionCoordinator } from './coordinator'
export type { BrowserCoordinatorOptions, CoordinatorStats, LeaderInfo } from './coordinator'
export { BrowserWASQLiteDriver } from './driver'
export {
  LeaderUnavailableError,
  PersistenceUnavailableError,
  DatabaseOpenError,
  StorageQuotaError,
  TabProtocolMismatchError,
  BROWSER_ERROR_CLASSES,
} from './errors'
export { TAB_PROTOCOL } from './protocol'
export type { PersistentStorage } from './persistent-storage'
export { exportDatabase, importDatabase } from './file-transfer'
export type { LeaderHook } from './protocol'

export type OpenBrowserDatabaseOptions = BrowserCoordinatorOptions & {
  /** Share a coordinator you created; by default one is created (and closed with the database). */
  coordinator?: BrowserCollectionCoordinator
  /**
   * Ask the browser to keep this site's storage under storage pressure
   * (`navigator.storage.persist()`); the answer is `database.persistentStorage`.
   * Without it the browser may evict the database when the disk runs low.
   */
  persistentStorage?: boolean
}

/** An open database: every tab has one; the tabs elect a leader that alone touches the file. */
export interface BrowserWASQLiteDatabase {
  readonly databaseName: string
  readonly coordinator: BrowserCollectionCoordinator
  readonly driver: BrowserWASQLiteDriver
  /** Whether the browser keeps this site's storage under pressure (see the `persistentStorage` option). */
  readonly persistentStorage: PersistentStorage
  close(): Promise<void>
}

/**
 * Opens (creating if needed) the OPFS SQLite database `databaseName` for this
 * tab. Any number of tabs may open the same database: one of them leads and
 * runs every tab's statements; when it goes away another takes over.
 *
 * Rejects with PersistenceUnavailableError (code
 * PERSISTDB_PERSISTENCE_UNAVAILABLE) where the browser lacks OPFS sync access
 * handles in workers, Web Locks, BroadcastChannel or module workers.
 */
export async function openBrowserWASQLiteOPFSDatabase(
  options: OpenBrowserDatabaseOptions,
): Promise<BrowserWASQLiteDatabase> {
  const {
    coordinator: given,
    persistentStorage: requestPersistence,
    ...coordinatorOptions
  } = options ?? ({} as OpenBrowserDatabaseOptions)
  if (given && given.databaseName !== coordinatorOptions.databaseName) {
    throw new InvalidOptionsError(
      `The coordinator serves "${given.databaseName}", not "${String(coordinatorOptions.databaseName)}".`,
    )
  }
  const coordinator = given ?? new BrowserCollectionCoordinator(coordinatorOptions)
  try {
    await coordinator.started
  } catch (error) {
    if (!given) await coordinator.close()
    throw error
  }
  const persistentStorage = await requestPersistentStorage(requestPersistence === true)
  const driver = new BrowserWASQLiteDriver(coordinator, !given)
  return {
    databaseName: coordinator.databaseName,
    coordinator,
    driver,
    persistentStorage,
    close: () => driver.close(),
  }
}

export type BrowserPersistenceOptions = Omit<SQLitePersistenceOptions, 'driver'> & {
  database: BrowserWASQLiteDatabase
  /** Must be the database's coordinator when given (it is taken from the database otherwise). */
  coordinator?: BrowserCollectionCoordinator
}

/**
 * A PersistDB persistence over an open browser database. Every tab sees other
 * tabs' commits right away (the leader announces each commit and this tab
 * reads the change log at once); `pollIntervalMs` (default 1000 ms) is only
 * a fallback. `persistence.close()` closes the database too.
 */
export function createBrowserWASQLitePersistence(options: BrowserPersistenceOptions): SQLitePersistence {
  const { database, coordinator = database?.coordinator, pollIntervalMs = 1000, changeLog } = options ?? {}
  if (!database?.driver) {
    throw new InvalidOptionsError(
      'createBrowserWASQLitePersistence needs `database` from openBrowserWASQLiteOPFSDatabase.',
    )
  }
  if (coordinator !== database.coordinator) {
    throw new InvalidOptionsError('`coordinator` must be the one the database was opened with.')
  }
  const persistence = createSQLitePersistence({
    driver: database.driver,
    pollIntervalMs,
    ...(changeLog === undefined ? {} : { changeLog }),
  })
  // Unsubscribing is not needed: a closed persistence ignores poll(), and the coordinator closes with it.
  coordinator.onChange(pollSoon(persistence))
  return persistence
}

/** Polls on each commit notice; a notice that arrives mid-poll triggers one more poll after it. */
function pollSoon(persistence: SQLitePersistence): () => void {
  let running = false
  let again = false
  const trigger = (retryIfBusy: boolean): void => {
    if (running) {
      again = true
      return
    }
    running = true
    again = false
    const result = persistence.poll()
    if (result && typeof (result as Promise<void>).then === 'function') {
      const finish = () => {
        running = false
        if (again) trigger(true)
      }
      void (result as Promise<void>).then(finish, finish)
      return
    }
    running = false
    // poll() returned at once: nothing subscribed yet, or the interval's poll is mid-flight. Look once more.
    if (retryIfBusy) setTimeout(() => trigger(false), 20)
  }
  return () => trigger(true)
}
