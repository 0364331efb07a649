/**
 * The shared persistence scenarios on core's own async test driver (one
 * connection answering on a later macrotask, as a worker or a mobile bridge).
 * Each runtime package runs the same scenarios on its engine.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { createSQLitePersistence } from '../src'
import { describePersistenceScenarios } from './contract/persistence-scenarios'
import { AsyncBetterSqliteDriver } from './support/sqlite-test-driver'

const dir = mkdtempSync(join(tmpdir(), 'persistdb-scenarios-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describePersistenceScenarios('async better-sqlite3 test driver', {
  open: (name) =>
    createSQLitePersistence({
      driver: new AsyncBetterSqliteDriver(join(dir, `${name}.sqlite`)),
      pollIntervalMs: 0,
    }),
})
