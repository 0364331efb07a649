/**
 * The shared persistence scenarios (test/contract) over the remote
 * persistence: each database is a file served by "main", a child Node process
 * (harness.ts: serveOperations, one main per driver mode serving every
 * database). Every open is a new remote persistence (createRemotePersistence
 * over a real structured-clone boundary) in the same window: one peer id per
 * database, as Electron's is per frame, so a restart is the persistence
 * reopened in that window. The SQL the on-demand scenario reads (persisted
 * index, EXPLAIN) goes through a second, read-only connection to main's file:
 * the remote persistence sends no SQL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll } from 'vitest'
import type { SQLiteRow } from '../../src'
import { describePersistenceScenarios } from '../contract/persistence-scenarios'
import { ServerProcess } from './harness'

const dir = mkdtempSync(join(tmpdir(), 'persistdb-remote-scenarios-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

for (const mode of ['sync', 'async'] as const) {
  let main: ServerProcess
  beforeAll(async () => {
    main = await ServerProcess.start(join(dir, `${mode}-main.sqlite`), mode)
  })
  afterAll(() => main.kill())
  const file = (name: string) => join(dir, `${mode}-${name}.sqlite`)

  describePersistenceScenarios(`remote persistence, main on a ${mode} driver`, {
    open: (name) => main.connectTo(file(name), `window-${name}`),
    readSql: (name, sql, params) => {
      const db = new Database(file(name), { readonly: true })
      try {
        return db.prepare(sql).all(...params) as SQLiteRow[]
      } finally {
        db.close()
      }
    },
  })
}
