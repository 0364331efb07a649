/**
 * Profiles one on-demand subset load of the W4 query (no index, or with the score index): every statement
 * PersistDB runs, its time, and its EXPLAIN QUERY PLAN (full scans of the rows table marked).
 *   node --import tsx bench/profile/subset-scans.ts [rows=100000] [--indexed]
 */
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import * as db from '@tanstack/db'
import {
  BetterSqlite3Driver,
  createSQLitePersistence,
  persistedCollectionOptions,
  type SQLiteDriver,
  type SQLiteExecutor,
  type SQLiteValue,
} from '@persistdb/node'
import { makeRows, TOP_QUERY, type BenchRow } from '../src/rows'

const n = Number(process.argv[2] ?? 100_000)
const indexed = process.argv.includes('--indexed')
const file = join(tmpdir(), `persistdb-profile-${n}.sqlite`)

interface Logged {
  sql: string
  params: readonly SQLiteValue[]
  ms: number
  plan: string
  rows: number
}

class TracingDriver implements SQLiteDriver {
  readonly mode = 'sync' as const
  log: Logged[] | undefined
  constructor(readonly inner: BetterSqlite3Driver) {}
  private trace<T>(sql: string, params: readonly SQLiteValue[] | undefined, body: () => T): T {
    const t0 = performance.now()
    const out = body()
    const ms = performance.now() - t0
    if (this.log && /^\s*(SELECT|WITH)/i.test(sql)) {
      const plan = (
        this.inner.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params ?? [])) as {
          detail: string
        }[]
      )
        .map((r) => r.detail)
        .join(' | ')
      this.log.push({ sql, params: params ?? [], ms, plan, rows: Array.isArray(out) ? out.length : -1 })
    }
    return out
  }
  all(sql: string, params?: readonly SQLiteValue[]) {
    return this.trace(sql, params, () => this.inner.all(sql, params))
  }
  run(sql: string, params?: readonly SQLiteValue[]) {
    return this.trace(sql, params, () => this.inner.run(sql, params))
  }
  transaction<T>(body: (tx: SQLiteExecutor) => T): T {
    return this.inner.transaction((tx) =>
      body({
        all: (s, p) => this.trace(s, p, () => tx.all(s, p)),
        run: (s, p) => this.trace(s, p, () => tx.run(s, p)),
      }),
    )
  }
  close() {
    this.inner.close()
  }
}

function open(onDemand: boolean) {
  const database = new Database(file)
  database.pragma('journal_mode = WAL')
  const driver = new TracingDriver(new BetterSqlite3Driver(database, true))
  const persistence = createSQLitePersistence({ driver })
  const options = persistedCollectionOptions<BenchRow, string>({
    id: 'items',
    getKey: (row) => row.id,
    persistence,
    schemaVersion: 1,
    ...(onDemand ? ({ syncMode: 'on-demand' } as object) : {}),
    ...(process.argv.includes('--auto')
      ? { autoIndex: 'eager' as const, defaultIndexType: db.BasicIndex }
      : {}),
  })
  // Log each loadSubset request (what TanStack DB asks for).
  const inner = options.sync.sync
  options.sync.sync = (params) => {
    const res = inner(params)
    const out = typeof res === 'object' && res !== null ? res : {}
    const load = (out as db.SyncConfigRes).loadSubset
    if (load)
      (out as db.SyncConfigRes).loadSubset = (o) => {
        console.log(
          'loadSubset',
          JSON.stringify({
            where: o.where,
            orderBy: o.orderBy?.length,
            limit: o.limit,
            offset: o.offset,
            cursor: !!o.cursor,
          }),
        )
        const sig = o.signal
        if (sig) {
          queueMicrotask(() => console.log('  microtask: aborted', sig.aborted))
          setImmediate(() => console.log('  immediate: aborted', sig.aborted))
          sig.addEventListener('abort', () =>
            console.log('  abort event', new Error().stack?.split('\n').slice(2, 9).join(' <- ')),
          )
        }
        return load(o)
      }
    return out as ReturnType<typeof inner>
  }
  const collection = db.createCollection(options)
  return { driver, persistence, collection }
}

async function seed() {
  if (existsSync(file)) return
  const { collection, persistence } = open(false)
  await collection.preload()
  for (let from = 0; from < n; from += 5000)
    await collection.insert(makeRows(Math.min(5000, n - from), from)).isPersisted.promise
  await collection.cleanup()
  await persistence.close()
}

async function query(category: string, minScore: number) {
  const { driver, persistence, collection } = open(true)
  if (indexed) collection.createIndex((row) => row.score, { indexType: db.BasicIndex })
  await new Promise((r) => setTimeout(r, 50))
  for (let round = 0; round < 2; round++) {
    driver.log = []
    const t0 = performance.now()
    const live = db.createLiveQueryCollection((q) =>
      q
        .from({ r: collection })
        .where(({ r }) =>
          db.and(
            db.eq(process.env.TOP ? r.category : r.meta.category, category),
            db.gt(r.score, minScore + round),
          ),
        )
        .orderBy(({ r }) => r.score, 'desc')
        .limit(TOP_QUERY.limit),
    )
    await live.preload()
    const total = performance.now() - t0
    console.log('collection size', collection.size)
    const scans = driver.log.filter(
      (l) =>
        /SCAN persistdb_c\d+_rows(?! USING)/.test(l.plan) ||
        /SCAN persistdb_c\d+_rows USING (COVERING )?INDEX sqlite_autoindex/.test(l.plan),
    )
    console.log(
      `\n== query ${round + 1}: ${total.toFixed(1)} ms total, ${live.size} rows, ${driver.log.length} statements, ${scans.length} full scans`,
    )
    if (process.env.DUMP)
      (await import('node:fs')).writeFileSync(
        process.env.DUMP + round,
        JSON.stringify(driver.log.filter((l) => l.ms > 5)),
      )
    for (const l of driver.log)
      console.log(
        `${l.ms.toFixed(2).padStart(8)} ms ${String(l.rows).padStart(6)} rows ${l.plan}\n            ${l.sql.slice(0, 300)}`,
      )
    await live.cleanup()
  }
  await collection.cleanup()
  await persistence.close()
}

await seed()
await query(TOP_QUERY.category, TOP_QUERY.minScore)
