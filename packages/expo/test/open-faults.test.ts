/**
 * Issue 14 on Expo: core's open-time fault suite on the expo-sqlite shim
 * (real SQLite, expo's error texts "Error code N: ..."): every way opening can
 * fail has its own typed error, the file is left as it was, read-only files
 * are served read-only (as an unprivileged user).
 */
import { basename, dirname } from 'node:path'
import { afterAll } from 'vitest'
import { describeOpenFaults } from '../../core/test/contract/open-faults'
import { createExpoSQLitePersistence, openExpoSQLitePersistenceWith } from '../src'
import { openShimByName, openShimDatabaseAsync } from './support/expo-sqlite-shim'
import { tempDir } from './support/files'

const tmp = tempDir('persistdb-expo-faults-')
afterAll(() => tmp.cleanup())

describeOpenFaults('expo-sqlite (shim)', {
  dir: tmp.dir,
  open: (file, options) =>
    openExpoSQLitePersistenceWith(openShimByName, {
      databaseName: basename(file),
      directory: dirname(file),
      pollIntervalMs: 0,
      ...options,
    }),
  openClosed: async (file) => {
    const database = await openShimDatabaseAsync(file)
    await database.closeAsync()
    return createExpoSQLitePersistence({ database, pollIntervalMs: 0 })
  },
  // expo-sqlite creates the directory (iOS ensureDirExists, Android mkdirs).
  missingDirectory: 'created',
  readOnlyChild: '../../../expo/test/fixtures/read-only-child.ts',
})
