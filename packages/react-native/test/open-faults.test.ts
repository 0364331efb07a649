/**
 * Issue 14 on React Native: core's open-time fault suite on op-sqlite's real
 * JS API (the Node builds of 18 and 15): every way opening can fail has its
 * own typed error, the file is left as it was, read-only files are served
 * read-only (as an unprivileged user).
 */
import { basename, dirname } from 'node:path'
import { afterAll } from 'vitest'
import { describeOpenFaults } from '../../core/test/contract/open-faults'
import { createPersistence } from '../src/create'
import { NODE_BUILDS, tempDir } from './helpers'

const tmp = tempDir('persistdb-rn-faults-')
afterAll(() => tmp.cleanup())

for (const engine of NODE_BUILDS) {
  const at = (file: string) => ({ name: basename(file), location: dirname(file), pollIntervalMs: 0 })
  describeOpenFaults(engine.label, {
    dir: tmp.dir,
    open: (file, options) => createPersistence(engine.open, { ...at(file), ...options }),
    openClosed: (file) => {
      const database = engine.open({ name: basename(file), location: dirname(file) })
      database.close()
      return createPersistence(engine.open, { database, pollIntervalMs: 0 })
    },
    // op-sqlite creates its location directory (native: std::filesystem::create_directories).
    missingDirectory: 'created',
    readOnlyChild: '../../../react-native/test/fixtures/read-only-child.ts',
    readOnlyChildArgs: [engine.nodeBuild!],
  })
}
