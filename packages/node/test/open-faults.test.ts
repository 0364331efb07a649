/**
 * Issue 14 on Node: core's shared open-fault suite on better-sqlite3 12, real
 * files: every way opening a file can fail has its own typed error, the file
 * is left exactly as it was, and read-only files are served read-only (the
 * shared probe run as an unprivileged user, fixtures/read-only-child.ts).
 * A file deleted under a running persistence: file-replaced.test.ts.
 */
import Database from 'better-sqlite3'
import { afterAll } from 'vitest'
import { describeOpenFaults } from '../../core/test/contract/open-faults'
import { createNodeSQLitePersistence } from '../src'
import { tempDir } from './helpers'

const tmp = tempDir('persistdb-open-faults-')
afterAll(() => tmp.cleanup())

describeOpenFaults('better-sqlite3', {
  dir: tmp.dir,
  open: (file, options) => createNodeSQLitePersistence({ path: file, pollIntervalMs: 0, ...options }),
  openClosed: (file) => {
    const database = new Database(file)
    database.close()
    return createNodeSQLitePersistence({ database, pollIntervalMs: 0 })
  },
  missingDirectory: 'refused',
  readOnlyChild: 'read-only-child.ts',
})
