import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open as open18 } from '@op-engineering/op-sqlite'
import { open as open15 } from 'op-sqlite-15'
import { OpSQLiteDriver } from '../src/driver'
import type { OpSQLiteDatabase, OpSQLiteOpen } from '../src/op-sqlite-types'
import { prepareDatabase } from '../src/prepare-database'

/** An engine the package's tests run on: op-sqlite's `open` and what it really is here. */
export interface Engine {
  readonly label: string
  readonly open: OpSQLiteOpen
}

/**
 * op-sqlite's real JS API from its Node build (the package's `node` export,
 * over better-sqlite3), for each major version installed: 18 under its own
 * name, 15 through the `op-sqlite-15` npm alias. Both Node builds were added
 * in 15.2.0; shims.ts covers what they cannot show.
 */
export const NODE_BUILDS: readonly Engine[] = [
  { label: 'op-sqlite 18.2.5 (Node build over better-sqlite3)', open: open18 },
  { label: 'op-sqlite 15.2.14 (Node build over better-sqlite3)', open: open15 },
]

export function tempDir(prefix = 'persistdb-rn-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A driver as the package builds it (settings applied before the first statement), owning its database. */
export function driverOn(database: OpSQLiteDatabase): OpSQLiteDriver {
  return new OpSQLiteDriver(database, {
    ownsDatabase: true,
    prepare: (db) => prepareDatabase(db, { synchronous: 'NORMAL', busyTimeoutMs: 5000 }),
  })
}

/** Resolves after `check()` holds, polling on macrotasks; fails after `ms`. */
export async function eventually(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
