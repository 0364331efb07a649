/**
 * The driver contract suite against the drivers core's own tests use: the
 * better-sqlite3 test driver in both modes (the async one answers on a later
 * macrotask over one connection, as a worker or a mobile bridge does).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { describeDriverContract } from './contract/driver-contract'
import { AsyncBetterSqliteDriver, BetterSqliteTestDriver } from './support/sqlite-test-driver'

const dir = mkdtempSync(join(tmpdir(), 'persistdb-contract-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

describeDriverContract('better-sqlite3 test driver (sync)', {
  open: () => new BetterSqliteTestDriver(join(dir, `sync-${++n}.sqlite`), 'sync'),
  bigIntegers: false,
})

describeDriverContract('better-sqlite3 test driver (async, one connection)', {
  open: () => new AsyncBetterSqliteDriver(join(dir, `async-${++n}.sqlite`)),
  bigIntegers: false,
})
