import {
  createSQLitePersistence,
  InvalidOptionsError,
  type SQLitePersistence,
  type SQLitePersistenceOptions,
} from '@persistdb/core'
import { DurableObjectSQLiteDriver } from './driver'
import type { DOStorage } from './storage-types'

// Everything of core (persistedCollectionOptions, typed errors, types) from one import.
export * from '@persistdb/core'
export { DurableObjectSQLiteDriver, DURABLE_OBJECT_SQL_LIMITS } from './driver'
export { UnbindableValueError } from './bind'
export type { DOSqlCursor, DOSqlStorage, DOSqlValue, DOStorage } from './storage-types'

export type CloudflareDOSQLitePersistenceOptions = {
  /** The Durable Object's `ctx.storage` (a SQLite-backed class: `new_sqlite_classes` in wrangler). */
  storage: DOStorage
  /**
   * How often to look for commits by another persistence on the same
   * storage. Default 0 (never): an object is one isolate whose writes all go
   * through its one persistence, and a timer would keep it awake (and billed).
   */
  pollIntervalMs?: number
} & Omit<SQLitePersistenceOptions, 'driver' | 'pollIntervalMs' | 'fileCheck' | 'commitCheck'>

/**
 * PersistDB in a Durable Object: the object's own SQLite database
 * (`ctx.storage.sql`) holds its collections. Create it in the object's
 * constructor, one per object, never at module scope: every object of a class
 * shares one isolate and its module state.
 */
export function createCloudflareDOSQLitePersistence(
  options: CloudflareDOSQLitePersistenceOptions,
): SQLitePersistence {
  const storage = options?.storage
  if (!storage || typeof storage.transactionSync !== 'function' || typeof storage.sql?.exec !== 'function') {
    throw new InvalidOptionsError(
      "createCloudflareDOSQLitePersistence needs `storage`: the Durable Object's `ctx.storage`, from a class " +
        'declared in `new_sqlite_classes` (a SQLite-backed Durable Object; key-value-backed objects have no `sql`).',
    )
  }
  const { pollIntervalMs, changeLog, file } = options
  return createSQLitePersistence({
    driver: new DurableObjectSQLiteDriver(storage),
    pollIntervalMs: pollIntervalMs ?? 0,
    file: file ?? 'Durable Object storage',
    ...(changeLog === undefined ? {} : { changeLog }),
  })
}
