/**
 * The driver contract suite and the shared persistence scenarios on the Node
 * runtime: better-sqlite3 12, real files.
 */
import { afterAll } from 'vitest'
import Database from 'better-sqlite3'
import { describeDriverContract } from '../../core/test/contract/driver-contract'
import { describePersistenceScenarios } from '../../core/test/contract/persistence-scenarios'
import { createNodeSQLitePersistence } from '../src'
import { BetterSqlite3Driver } from '../src/driver'
import { placeFile } from '../../core/test/support/fault-files'
import { tempDir } from './helpers'

const tmp = tempDir('persistdb-node-contract-')
afterAll(() => tmp.cleanup())
let n = 0

describeDriverContract('@persistdb/node (better-sqlite3 12)', {
  open: () => new BetterSqlite3Driver(new Database(tmp.file(`contract-${++n}.sqlite`)), true),
  openBytes: (bytes) => {
    const file = tmp.file(`placed-${++n}.sqlite`)
    const read = placeFile(file, bytes)
    return { driver: new BetterSqlite3Driver(new Database(file), true), bytes: read }
  },
  // better-sqlite3 returns integers as doubles unless a statement opts into safeIntegers; PersistDB never
  // stores integers beyond 2^53 in a column (bigints are encoded in the row's JSON text).
  bigIntegers: false,
})

describePersistenceScenarios('@persistdb/node', {
  open: (name) => createNodeSQLitePersistence({ path: tmp.file(`${name}.sqlite`), pollIntervalMs: 0 }),
})
