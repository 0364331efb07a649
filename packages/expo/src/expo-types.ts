import type { SQLiteBindValue, SQLiteDatabase, SQLiteStatement } from 'expo-sqlite'

/**
 * The parts of expo-sqlite's API the driver uses, taken from expo-sqlite's own
 * types: a `SQLiteDatabase` from `openDatabaseAsync` is one, and an upstream
 * change to these methods breaks the typecheck here and in the test shim.
 */
export type ExpoStatement = Pick<SQLiteStatement, 'executeAsync' | 'finalizeAsync'>

/** A connection: the database itself, or the `txn` that `withExclusiveTransactionAsync` hands its task. */
export interface ExpoConnection extends Pick<SQLiteDatabase, 'execAsync'> {
  prepareAsync(source: string): Promise<ExpoStatement>
}

export interface ExpoDatabase extends ExpoConnection, Pick<SQLiteDatabase, 'databasePath' | 'closeAsync'> {
  withExclusiveTransactionAsync(task: (txn: ExpoConnection) => Promise<void>): Promise<void>
}

export type ExpoBindValue = SQLiteBindValue

/** expo-sqlite's `openDatabaseAsync(databaseName, options, directory)`. */
export type OpenDatabaseAsync = (
  databaseName: string,
  options?: undefined,
  directory?: string,
) => Promise<ExpoDatabase>
