/**
 * The shared persistence scenarios (packages/core/test/contract) on
 * @persistdb/expo, opened by name the way an app does it
 * (`openExpoSQLitePersistence`), with expo-sqlite's `openDatabaseAsync`
 * answered by the shim backed by real SQLite (support/expo-sqlite-shim.ts).
 */
import { join } from 'node:path'
import { afterAll, vi } from 'vitest'
import { describePersistenceScenarios } from '../../core/test/contract/persistence-scenarios'
import { openExpoSQLitePersistence } from '../src'
import { openShimDatabaseAsync } from './support/expo-sqlite-shim'
import { tempDir } from './support/files'

const tmp = tempDir('persistdb-expo-scenarios-')
afterAll(() => tmp.cleanup())

vi.mock('expo-sqlite', () => ({
  openDatabaseAsync: (name: string, _options: unknown, directory: string) =>
    openShimDatabaseAsync(join(directory, name)),
}))

describePersistenceScenarios('@persistdb/expo (expo-sqlite shim)', {
  open: (name) =>
    openExpoSQLitePersistence({ databaseName: `${name}.db`, directory: tmp.dir, pollIntervalMs: 0 }),
})
