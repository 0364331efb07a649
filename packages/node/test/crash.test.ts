/**
 * Failure mode 3, "acknowledged before durable": a writer process is SIGKILLed
 * at a random moment; every write it acknowledged must be in the file.
 *
 * The child (fixtures/crash-writer.ts) runs a seeded sequence of local-only
 * writes (single and multi-row inserts, full-replace updates, single and
 * multi-key deletes, manual transactions) and prints `ack <i>` once op i is
 * durable. The parent replays the same sequence, so after the kill it knows
 * the exact state n acknowledged ops promise, plus the one state the op in
 * flight may have reached. The file must hold exactly one of those two states
 * (so: nothing acknowledged is lost, no transaction is half-applied), pass
 * `PRAGMA integrity_check`, and reopen through PersistDB with the same rows.
 *
 * PERSISTDB_CRASH_TRIALS=<n> runs more trials (default 12, plus half as many
 * with synchronous=FULL); PERSISTDB_CRASH_SEED=<n> changes the base seed.
 */
import { isDeepStrictEqual } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection } from '@tanstack/db'
import { decodeKey, decodeValue } from '@persistdb/core'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { applyOp, generateOps, mulberry32, type CrashRow, type Key, type Op } from './fixtures/crash-ops'
import { bundleFixture, pool, spawnBundle } from './fixtures/spawn'
import { tempDir } from './helpers'

const TRIALS = Math.max(1, Number(process.env.PERSISTDB_CRASH_TRIALS ?? 12) || 12)
const BASE_SEED = Number(process.env.PERSISTDB_CRASH_SEED ?? 0x5eed) || 0x5eed
const OPS = 600
const PARALLEL = 2
/** Generous per-test budget: a trial spawns a tsx child (about 1-4 s on 2 busy cores). */
const timeout = (trials: number) => 30_000 + trials * 8_000

const tmp = tempDir('persistdb-crash-')
afterAll(() => tmp.cleanup())
/** The writer, bundled once: each trial's process then starts in a fraction of tsx's time. */
let writer = ''
beforeAll(async () => {
  writer = await bundleFixture('crash-writer.ts', tmp.dir)
})

interface TrialResult {
  seed: number
  acked: number
  killed: boolean
  /** Which allowed state the file held: the acknowledged one, or one op further (the op in flight). */
  matched: 'acked' | 'in-flight'
}

const VIRTUAL = new Set(['$synced', '$origin', '$key', '$collectionId', '$hasPendingWrites'])

/**
 * Drops TanStack DB's virtual props and top-level `undefined` values: core represents a field
 * removed through an update draft (`delete draft.f`) as `f: undefined`, and PersistDB stores and
 * restores that representation exactly; the op model simply omits the field.
 */
function strip(row: object): CrashRow {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(row)) if (!VIRTUAL.has(k) && v !== undefined) out[k] = v
  return out as unknown as CrashRow
}

/** Reads the collection straight from the file with better-sqlite3, after an integrity check. */
function readRaw(file: string): { integrity: unknown[]; rows: Map<Key, CrashRow> } {
  const db = new Database(file)
  try {
    const integrity = db.pragma('integrity_check') as unknown[]
    const rows = new Map<Key, CrashRow>()
    const hasRegistry = db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'persistdb_collections'`)
      .get()
    const found = hasRegistry
      ? (db.prepare(`SELECT id FROM persistdb_collections WHERE name = 'crash'`).get() as
          { id: number } | undefined)
      : undefined
    if (found) {
      const stored = db.prepare(`SELECT key, value FROM "persistdb_c${found.id}_rows"`).all() as Array<{
        key: unknown
        value: string | null
      }>
      for (const row of stored) {
        if (row.value !== null) rows.set(decodeKey(row.key), strip(decodeValue(row.value) as CrashRow))
      }
    }
    return { integrity, rows }
  } finally {
    db.close()
  }
}

function openCrashCollection(file: string) {
  const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
  const collection = createCollection(
    persistedCollectionOptions<CrashRow, Key>({ id: 'crash', getKey: (row) => row.id, persistence }),
  )
  return { persistence, collection }
}

async function crashTrial(seed: number, synchronous: 'NORMAL' | 'FULL'): Promise<TrialResult> {
  const rand = mulberry32(seed * 7919 + 17)
  const file = tmp.file(`crash-${synchronous}-${seed}.sqlite`)
  // Kill either after a random number of acknowledgements or a random time after the
  // writer is ready; about 1 in 20 trials lets the writer finish.
  const byAcks = rand() < 0.5
  const killAtAck = Math.floor(rand() * OPS * 1.05)
  const killAfterMs = Math.floor(rand() * 700)
  const child = spawnBundle(writer, [file, String(seed), String(OPS), synchronous])
  let acked = 0
  let ackError: string | undefined
  const kill = () => child.process.kill('SIGKILL')
  child.onLine((line) => {
    if (line === 'ready') {
      if (byAcks && killAtAck === 0) kill()
      else if (!byAcks) setTimeout(kill, killAfterMs)
      return
    }
    const match = /^ack (\d+)$/.exec(line)
    if (!match) return
    // Acknowledgements arrive in order, one per op.
    if (Number(match[1]) !== acked) ackError ??= `ack ${match[1]} arrived when ${acked} was expected`
    acked++
    if (byAcks && acked === killAtAck) kill()
  })
  const exit = await child.exited
  const context = `seed ${seed} (${synchronous}); stderr: ${child.stderr().slice(0, 2000)}`
  expect(ackError, context).toBeUndefined()
  const finished = child.lines.includes('done')
  // Either killed by us or finished cleanly: never an error exit.
  expect(exit.signal === 'SIGKILL' || (exit.code === 0 && finished), context).toBe(true)

  const ops = generateOps(seed, OPS)
  const acknowledged = new Map<Key, CrashRow>()
  for (const op of ops.slice(0, acked)) applyOp(acknowledged, op)
  const inFlight: Op | undefined = ops[acked]
  let beyond: Map<Key, CrashRow> | undefined
  if (inFlight && !finished) {
    beyond = new Map(acknowledged)
    applyOp(beyond, inFlight)
  }

  const raw = readRaw(file)
  expect(raw.integrity, context).toEqual([{ integrity_check: 'ok' }])
  let matched: TrialResult['matched']
  if (isDeepStrictEqual(raw.rows, acknowledged)) matched = 'acked'
  else if (beyond && isDeepStrictEqual(raw.rows, beyond)) matched = 'in-flight'
  else {
    // Shows the diff against what the acknowledgements promised.
    expect(
      raw.rows,
      `${context}; acked ${acked}, in flight: ${JSON.stringify(inFlight).slice(0, 300)}`,
    ).toEqual(acknowledged)
    throw new Error('unreachable')
  }

  // A fresh PersistDB on the crashed file restores exactly what is on disk, and keeps writing.
  const reopened = openCrashCollection(file)
  await reopened.collection.preload()
  const restored = new Map(reopened.collection.toArray.map((row) => [row.id, strip(row)] as const))
  expect(isDeepStrictEqual(restored, raw.rows), context).toBe(true)
  reopened.collection.insert({ id: 'after-crash', n: -1, s: 'written after the crash' })
  await reopened.collection.cleanup()
  await reopened.persistence.close()
  const again = readRaw(file)
  expect(again.integrity).toEqual([{ integrity_check: 'ok' }])
  expect(again.rows.get('after-crash')).toEqual({ id: 'after-crash', n: -1, s: 'written after the crash' })
  expect(again.rows.size).toBe(raw.rows.size + 1)

  return { seed, acked, killed: exit.signal === 'SIGKILL', matched }
}

function report(label: string, results: readonly TrialResult[]): void {
  const killed = results.filter((r) => r.killed)
  const inFlight = results.filter((r) => r.matched === 'in-flight').length
  const acks = results.map((r) => r.acked).join(', ')
  console.log(
    `[crash ${label}] ${results.length} trials, ${killed.length} killed, ${inFlight} with the in-flight op on disk; acks: ${acks}`,
  )
}

describe('failure mode 3: acknowledged before durable (SIGKILL of a writer process)', () => {
  it(
    `every acknowledged write survives a SIGKILL at a random moment (${TRIALS} trials, synchronous NORMAL)`,
    async () => {
      const seeds = Array.from({ length: TRIALS }, (_, i) => BASE_SEED + i)
      const results = await pool(
        PARALLEL,
        seeds.map((seed) => () => crashTrial(seed, 'NORMAL')),
      )
      report('NORMAL', results)
      // The trials really crashed writers mid-stream, not only before or after the work.
      if (results.length >= 4)
        expect(results.filter((r) => r.killed && r.acked > 0 && r.acked < OPS).length).toBeGreaterThan(0)
    },
    timeout(TRIALS),
  )

  it(
    `same with synchronous FULL (${Math.ceil(TRIALS / 2)} trials)`,
    async () => {
      const seeds = Array.from({ length: Math.ceil(TRIALS / 2) }, (_, i) => BASE_SEED + 1000 + i)
      const results = await pool(
        PARALLEL,
        seeds.map((seed) => () => crashTrial(seed, 'FULL')),
      )
      report('FULL', results)
      if (results.length >= 4)
        expect(results.filter((r) => r.killed && r.acked > 0 && r.acked < OPS).length).toBeGreaterThan(0)
    },
    timeout(Math.ceil(TRIALS / 2)),
  )
})
