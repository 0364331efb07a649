/**
 * Where the first W4 query's time goes in a cold process (issue 12): PersistDB's phases (open, createIndex,
 * the live query, and inside it each loadSubset: SQL time, the rest of the load, TanStack DB's apply) beside
 * TanStack DB alone answering the same query from memory.
 *   node --import tsx bench/profile/first-query.ts <persistdb seed file> [rows=100000] [--noindex] [--auto]
 * --auto: TanStack DB's `autoIndex: 'eager'` instead of createIndex (PersistDB persists the indexes it creates);
 * two later queries of the shape are timed too. SLOW_SQL=<ms> prints slower statements with their plans.
 * The seed file is copied first (bench/.cache/seeds/v2-persistdb-indexed-100000.sqlite, or any file written by
 * PersistDB with collection id `items`).
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as db from '@tanstack/db'
import {
  BetterSqlite3Driver,
  createSQLitePersistence,
  persistedCollectionOptions,
  type SQLiteValue,
} from '@persistdb/node'
import Database from 'better-sqlite3'
import { firstTopResult, indexScore, type BenchCollection } from '../src/collection-ops'
import { makeRow, type BenchRow } from '../src/rows'
import { expectedTopIds } from '../src/seeds'

const source = process.argv[2]
const n = Number(process.argv[3] ?? 100_000)
const indexed = !process.argv.includes('--noindex')
if (!source || !existsSync(source)) throw new Error('usage: first-query.ts <persistdb seed file> [rows]')
const ids = expectedTopIds(n)
const file = join(tmpdir(), `persistdb-first-query-${process.pid}.sqlite`)
for (const s of ['', '-wal', '-shm']) if (existsSync(source + s)) copyFileSync(source + s, file + s)

let sqlMs = 0
/** SLOW_SQL=<ms>: statements slower than that, printed with their plans at the end. */
const slow: Array<{ sql: string; params: readonly SQLiteValue[]; ms: number }> = []
let statements = 0
class TimedDriver extends BetterSqlite3Driver {
  override all(sql: string, params?: readonly SQLiteValue[]) {
    const t0 = performance.now()
    try {
      return super.all(sql, params)
    } finally {
      const ms = performance.now() - t0
      sqlMs += ms
      statements++
      if (process.env.SLOW_SQL && ms > Number(process.env.SLOW_SQL))
        slow.push({ sql, params: params ?? [], ms })
    }
  }
}

const marks: Array<[string, number]> = []
const mark = (name: string) => marks.push([name, performance.now()])
let loadSubsetMs = 0
let applyMs = 0

mark('start')
const database = new Database(file)
database.pragma('journal_mode = WAL')
const persistence = createSQLitePersistence({ driver: new TimedDriver(database, true) })
const options = persistedCollectionOptions<BenchRow, string>({
  id: 'items',
  getKey: (row) => row.id,
  persistence,
  schemaVersion: 1,
  ...({ syncMode: 'on-demand' } as object),
  ...(process.argv.includes('--auto')
    ? { autoIndex: 'eager' as const, defaultIndexType: db.BasicIndex }
    : {}),
})
const inner = options.sync.sync
options.sync.sync = (params) => {
  // TanStack DB's apply of the loaded rows: the time inside commit().
  const commit = params.commit
  params.commit = () => {
    const t0 = performance.now()
    try {
      return commit()
    } finally {
      applyMs += performance.now() - t0
    }
  }
  const res = inner(params) as db.SyncConfigRes
  const load = res.loadSubset
  if (load)
    res.loadSubset = (o) => {
      const t0 = performance.now()
      try {
        return load(o)
      } finally {
        loadSubsetMs += performance.now() - t0
      }
    }
  return res as ReturnType<typeof inner>
}
const collection = db.createCollection(options) as unknown as BenchCollection
mark('createCollection')
if (indexed) indexScore(db, collection)
mark('createIndex')
const { dispose } = await firstTopResult(db, collection, ids)
mark('first result')
if (process.argv.includes('--auto')) {
  // TanStack DB's autoIndex created indexes for the query's fields; PersistDB persisted them (index:added).
  for (const minScore of [501, 502]) {
    const t0 = performance.now()
    const sql0 = sqlMs
    const again = await firstTopResult(db, collection, ids, minScore)
    console.log(
      `later query (score > ${minScore}): ${(performance.now() - t0).toFixed(1)} ms, SQL ${(sqlMs - sql0).toFixed(1)} ms`,
    )
    await again.dispose()
  }
}
const total = marks.at(-1)![1] - marks[0]![1]
for (let i = 1; i < marks.length; i++)
  console.log(`${marks[i]![0].padEnd(18)} ${(marks[i]![1] - marks[i - 1]![1]).toFixed(1).padStart(8)} ms`)
console.log(`total              ${total.toFixed(1).padStart(8)} ms`)
console.log(
  `  inside loadSubset (sync part) ${loadSubsetMs.toFixed(1)} ms, of it SQL ${sqlMs.toFixed(1)} ms in ${statements} ` +
    `statements; TanStack DB commit() of loaded rows ${applyMs.toFixed(1)} ms`,
)
for (const { sql, params, ms } of slow) {
  const plan = database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>
  console.log(`${ms.toFixed(1)} ms: ${plan.map((p) => p.detail).join(' | ')}\n   ${sql.slice(0, 400)}`)
}
await dispose()
await collection.cleanup()
await persistence.close()
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true })

// TanStack DB alone, same process warm-up state aside: the floor's phases.
const answer = ids.map((id) => makeRow(Number(id.slice('row-'.length))))
const t0 = performance.now()
const alone = db.createCollection<BenchRow, string>({
  id: 'alone',
  getKey: (row) => row.id,
  syncMode: 'on-demand',
  sync: {
    sync: ({ begin, write, commit, markReady }) => {
      markReady()
      return {
        loadSubset: () => {
          begin()
          for (const value of answer) write({ type: 'insert', value })
          commit()
          return true
        },
      }
    },
  },
})
if (indexed) indexScore(db, alone as unknown as BenchCollection)
const second = await firstTopResult(db, alone as unknown as BenchCollection, ids)
console.log(`TanStack DB alone after PersistDB (warm JIT): ${(performance.now() - t0).toFixed(1)} ms`)
await second.dispose()
