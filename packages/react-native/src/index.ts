import { open as openOpSQLite } from '@op-engineering/op-sqlite'
import type { SQLitePersistence } from '@persistdb/core'
import { createPersistence, type ReactNativeSQLitePersistenceOptions } from './create'
import type { OpSQLiteOpen } from './op-sqlite-types'

// Everything of core (persistedCollectionOptions, typed errors, types) from one import.
export * from '@persistdb/core'
export { OpSQLiteDriver, OP_SQLITE_LIMITS, type OpSQLiteDriverOptions } from './driver'
export { readRows } from './result-rows'
export type { ReactNativeSQLitePersistenceOptions } from './create'
export type { OpSQLiteDatabase, OpSQLiteOpen, OpSQLiteScalar, OpSQLiteTransaction } from './op-sqlite-types'

/**
 * PersistDB on React Native with op-sqlite 15 to 18. Create one per database,
 * outside components (module scope or an app-level provider), and share it:
 * see the package README for StrictMode and JS reloads. Settings and the
 * storage-format check run before the first statement; a foreign or newer
 * file fails the first read or write with a typed error, unchanged.
 */
export function createReactNativeSQLitePersistence(
  options: ReactNativeSQLitePersistenceOptions,
): SQLitePersistence {
  return createPersistence(openOpSQLite as unknown as OpSQLiteOpen, options)
}
