/**
 * Core's driver contract suite against OpSQLiteDriver on op-sqlite's real JS
 * API (the Node builds of 15 and 18) and on the shim of op-sqlite 15.0/15.1,
 * which ship no Node build (shims/op-sqlite-15-native.ts); and the shared
 * persistence scenarios on both Node builds.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll } from 'vitest'
import type { SQLiteRow } from '@persistdb/core'
import { describeDriverContract } from '../../core/test/contract/driver-contract'
import { describePersistenceScenarios } from '../../core/test/contract/persistence-scenarios'
import { createPersistence } from '../src/create'
import { driverOn, NODE_BUILDS, tempDir } from './helpers'
import { placeFile } from '../../core/test/support/fault-files'
import { openOpSQLite15Shim } from './shims/op-sqlite-15-native'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0

for (const engine of NODE_BUILDS) {
  describeDriverContract(engine.label, {
    open: () => driverOn(engine.open({ name: `contract-${++n}.sqlite`, location: tmp.dir })),
    openBytes: (bytes) => {
      const name = `placed-${++n}.sqlite`
      const read = placeFile(join(tmp.dir, name), bytes)
      return { driver: driverOn(engine.open({ name, location: tmp.dir })), bytes: read }
    },
    // op-sqlite binds and returns JS numbers only (native: a 64-bit integer becomes a double).
    bigIntegers: false,
  })
}

// op-sqlite 15.0 and 15.1 ship no Node build: the shim of their native behaviour, on real SQLite.
describeDriverContract('op-sqlite 15.0/15.1 shim (typed against op-sqlite 15, on better-sqlite3)', {
  open: () => driverOn(openOpSQLite15Shim({ name: `shim-${++n}.sqlite`, location: tmp.dir })),
  bigIntegers: false,
  largeValueBytes: 256 * 1024,
})

for (const engine of NODE_BUILDS) {
  describePersistenceScenarios(`@persistdb/react-native on ${engine.label}`, {
    open: (name) =>
      createPersistence(engine.open, { name: `${name}.sqlite`, location: tmp.dir, pollIntervalMs: 0 }),
    // The Node build returns rows only for statements starting with SELECT: the scenario reads through a
    // second connection to the same file (the same SQLite library, better-sqlite3).
    readSql: (name, sql, params) => {
      const db = new Database(join(tmp.dir, `${name}.sqlite`), { readonly: true })
      try {
        return db.prepare(sql).all(...params) as SQLiteRow[]
      } finally {
        db.close()
      }
    },
  })
}
