/**
 * Issue 14: SIGKILL in the middle of maintenance. A child process runs one of
 * a synced schema reset, a local `migrate`, persisted index creation,
 * change-log pruning or VACUUM on an 8k-row file (fixtures/maintenance-ops.ts)
 * and is killed at a random moment in it: mostly a random delay into the
 * operation (up to 1.3x its duration measured in this process), sometimes
 * among the acknowledged writes that follow it. Afterwards the file passes
 * `integrity_check`, holds either the state before the operation or the one
 * after it (never a mix; the one after if `op-done` was printed), every
 * acknowledged write is there, and PersistDB opens it and writes on.
 *
 * PERSISTDB_MAINTENANCE_CRASH_TRIALS=<n> per operation (default 17: 85 trials,
 * with crash.test.ts's 18 more than 100 in CI).
 */
import { copyFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mulberry32 } from './fixtures/crash-ops'
import {
  AFTER_WRITES,
  buildStartingFile,
  LOG_ENTRIES,
  MAINTENANCE,
  migrated,
  openPersistence,
  PRUNE_KEEP,
  rowAt,
  ROWS,
  runMaintenance,
  type Maintenance,
  type Row,
} from './fixtures/maintenance-ops'
import { bundleFixture, pool, spawnBundle } from './fixtures/spawn'
import { openTodos, storedRowsIn, tempDir } from './helpers'

const TRIALS = Math.max(1, Number(process.env.PERSISTDB_MAINTENANCE_CRASH_TRIALS ?? 17) || 17)
const PARALLEL = 2

const tmp = tempDir('persistdb-crash-maintenance-')
afterAll(() => tmp.cleanup())

const template = (scenario: Maintenance) => tmp.file(`start-${scenario}.sqlite`)
/** How long each operation took here, on a copy of its starting file (the kill window). */
const durationMs = new Map<Maintenance, number>()
/** The prune scenario's starting change log. */
let startingLog = { n: 0, head: 0 }

let child = ''

beforeAll(async () => {
  child = await bundleFixture('maintenance-crash-child.ts', tmp.dir)
  for (const scenario of MAINTENANCE) {
    await buildStartingFile(scenario, template(scenario))
    if (scenario === 'prune') {
      const db = new Database(template(scenario), { readonly: true })
      startingLog = db
        .prepare(`SELECT count(*) AS n, max(seq) AS head FROM persistdb_changes`)
        .get() as typeof startingLog
      db.close()
      expect(startingLog.n).toBeGreaterThan(LOG_ENTRIES)
    }
    const copy = tmp.file(`timing-${scenario}.sqlite`)
    copyFileSync(template(scenario), copy)
    let began = 0
    await runMaintenance(scenario, copy, (line) => {
      if (line === 'op-begin') began = performance.now()
      if (line === 'op-done') durationMs.set(scenario, performance.now() - began)
    })
  }
}, 180_000)

interface Trial {
  killedDuringOp: boolean
  opDone: boolean
  acked: number
}

async function trial(scenario: Maintenance, index: number): Promise<Trial> {
  const rand = mulberry32(0x6d61 + index * 31 + MAINTENANCE.indexOf(scenario) * 7919)
  const file = tmp.file(`trial-${scenario}-${index}.sqlite`)
  copyFileSync(template(scenario), file)
  const duringOp = rand() < 0.85
  const delay = Math.floor(rand() * 1.3 * (durationMs.get(scenario) ?? 50))
  const killAtAck = Math.floor(rand() * AFTER_WRITES)
  const writer = spawnBundle(child, [file, scenario])
  const kill = () => writer.process.kill('SIGKILL')
  let acked = 0
  let opBegan = false
  let opDone = false
  writer.onLine((line) => {
    if (line === 'op-begin') {
      opBegan = true
      if (duringOp) setTimeout(kill, delay)
    } else if (line === 'op-done') opDone = true
    else if (/^ack \d+$/.test(line)) {
      acked++
      if (!duringOp && acked === killAtAck) kill()
    }
  })
  const exit = await writer.exited
  const context = `${scenario} trial ${index}; stderr: ${writer.stderr().slice(0, 2000)}`
  expect(exit.signal === 'SIGKILL' || (exit.code === 0 && writer.lines.includes('done')), context).toBe(true)
  verify(scenario, file, opDone, acked, context)
  await reopenAndWrite(file, context)
  return { killedDuringOp: exit.signal === 'SIGKILL' && opBegan && !opDone, opDone, acked }
}

function verify(scenario: Maintenance, file: string, opDone: boolean, acked: number, context: string): void {
  const db = new Database(file)
  try {
    expect(db.pragma('integrity_check'), context).toEqual([{ integrity_check: 'ok' }])
    // Every acknowledged write after the operation is there (plus at most the one in flight).
    const side = storedRowsIn(db, 'side')
    for (let i = 0; i < acked; i++) expect(side.has(`after-${i}`), `${context}: after-${i}`).toBe(true)
    expect(side.size - acked, context).toBeLessThanOrEqual(1)
    const version = (name: string) =>
      Number(
        (
          db.prepare(`SELECT schema_version AS v FROM persistdb_collections WHERE name = ?`).get(name) as {
            v: number
          }
        ).v,
      )
    const all = Array.from({ length: ROWS }, (_, i) => rowAt(i))
    switch (scenario) {
      case 'reset': {
        const rows = storedRowsIn(db, 'synced')
        const cursor = db
          .prepare(`SELECT count(*) AS n FROM persistdb_collection_meta WHERE key = 'cursor'`)
          .get() as { n: number }
        const state = { version: version('synced'), rows: rows.size, cursor: cursor.n }
        const before = { version: 1, rows: ROWS, cursor: 1 }
        const after = { version: 2, rows: 0, cursor: 0 }
        expect([...(opDone ? [] : [before]), after], context).toContainEqual(state)
        break
      }
      case 'migrate': {
        const v = version('main')
        if (opDone) expect(v, context).toBe(2)
        const expected = v === 1 ? all : all.map(migrated)
        expect(sortedRows(storedRowsIn(db, 'main')), context).toEqual(expected)
        break
      }
      case 'index': {
        expect(sortedRows(storedRowsIn(db, 'main')), context).toEqual(all)
        const indexes = db
          .prepare(
            `SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name LIKE 'persistdb_%' AND sql IS NOT NULL`,
          )
          .get() as { n: number }
        if (opDone) expect(indexes.n, context).toBeGreaterThan(0)
        break
      }
      case 'prune': {
        expect(storedRowsIn(db, 'main').size, context).toBe(ROWS)
        const log = db.prepare(`SELECT count(*) AS n, max(seq) AS head FROM persistdb_changes`).get() as {
          n: number
          head: number
        }
        // The newest entry is never pruned: positions are never handed out twice.
        expect(log.head, context).toBeGreaterThanOrEqual(startingLog.head)
        // Pruned in one transaction: all of it or none of it.
        if (opDone) expect(log.n, context).toBeLessThanOrEqual(PRUNE_KEEP + acked + 1)
        else expect([PRUNE_KEEP, startingLog.n], context).toContain(log.n)
        break
      }
      case 'vacuum':
        expect(sortedRows(storedRowsIn(db, 'main')), context).toEqual(all.filter((row) => row.n % 2 === 0))
        break
    }
  } finally {
    db.close()
  }
}

function sortedRows(rows: Map<string | number, unknown>): Row[] {
  return ([...rows.values()] as Row[]).sort((a, b) => a.n - b.n)
}

/** PersistDB opens the crashed file and a write lands. */
async function reopenAndWrite(file: string, context: string): Promise<void> {
  const persistence = openPersistence(file)
  const h = openTodos(file, { persistence, id: 'after-crash' })
  await h.collection.preload()
  h.collection.insert({ id: 'x', title: 'written after the crash' })
  await h.collection.cleanup()
  await persistence.close()
  const db = new Database(file, { readonly: true })
  expect(db.pragma('integrity_check'), context).toEqual([{ integrity_check: 'ok' }])
  expect(storedRowsIn(db, 'after-crash').get('x'), context).toEqual({
    id: 'x',
    title: 'written after the crash',
  })
  db.close()
}

describe('SIGKILL during maintenance: the file opens, integrity_check is ok, acknowledged writes are there', () => {
  for (const scenario of MAINTENANCE) {
    it(
      `${scenario} (${TRIALS} trials)`,
      async () => {
        const results = await pool(
          PARALLEL,
          Array.from({ length: TRIALS }, (_, i) => () => trial(scenario, i)),
        )
        const during = results.filter((r) => r.killedDuringOp).length
        console.log(
          `[crash ${scenario}] ${results.length} trials, ${during} killed during the operation ` +
            `(${Math.round(durationMs.get(scenario) ?? 0)} ms here), ${results.filter((r) => r.opDone).length} after it`,
        )
        // The kills really landed inside the operation, not only before or after it.
        if (TRIALS >= 6) expect(during).toBeGreaterThan(0)
      },
      60_000 + TRIALS * 10_000,
    )
  }
})
