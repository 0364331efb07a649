/**
 * What the driver guard (core's guarded-driver.ts) adds to a one-row write transaction on better-sqlite3:
 * the statements of PersistDB's commit (upsert, change-log row, last_insert_rowid) run through the bare
 * driver and through guardDriver(driver), interleaved on fresh files, plus a no-op transaction to show the
 * fixed part. --memory: an in-memory database, so the JavaScript part stands out.
 *   node --import tsx bench/profile/guard-cost.ts [transactions=5000] [--memory]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { BetterSqlite3Driver, guardDriver, type SQLiteDriver, type SQLiteExecutor } from '@persistdb/node'
import { makeRows } from '../src/rows'

const n = Number(process.argv[2] ?? 5000)
const dir = mkdtempSync(join(tmpdir(), 'persistdb-guard-'))
const rows = makeRows(n).map((row) => [row.id, JSON.stringify(row)] as const)
const UPSERT =
  'INSERT INTO rows (key, value, meta) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, meta = excluded.meta'
const LOG = 'INSERT INTO changes (collection, writer, keys, at) VALUES (?, ?, ?, ?)'

function open(name: string): BetterSqlite3Driver {
  const db = new Database(process.argv.includes('--memory') ? ':memory:' : join(dir, name))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`CREATE TABLE rows (key ANY PRIMARY KEY, value TEXT, meta TEXT) WITHOUT ROWID;
    CREATE TABLE changes (seq INTEGER PRIMARY KEY, collection INTEGER NOT NULL, writer TEXT NOT NULL, keys TEXT, at INTEGER NOT NULL)`)
  return new BetterSqlite3Driver(db, true)
}

function commit(tx: SQLiteExecutor, k: string, v: string): void {
  void tx.run(UPSERT, [k, v, null])
  void tx.run(LOG, [1, 'writer-id-0123456789:1', JSON.stringify([k]), Date.now()])
  void tx.all('SELECT last_insert_rowid() AS id')
}

const shapes: Record<string, (bare: BetterSqlite3Driver) => SQLiteDriver> = {
  'bare driver': (bare) => bare,
  'guardDriver(driver)': (bare) => guardDriver(bare),
}
const results = new Map<string, number[]>()
for (let round = 0; round < 7; round++) {
  for (const [label, wrap] of Object.entries(shapes)) {
    const driver = wrap(open(`${round}-${label.replace(/\W+/g, '-')}.sqlite`))
    const t0 = performance.now()
    for (const [k, v] of rows) void driver.transaction((tx) => commit(tx, k, v))
    const us = ((performance.now() - t0) * 1000) / n
    const e0 = performance.now()
    for (let i = 0; i < n; i++) void driver.transaction(() => undefined)
    const emptyUs = ((performance.now() - e0) * 1000) / n
    void driver.close()
    results.set(label, [...(results.get(label) ?? []), us])
    results.set(`${label}, empty transaction`, [
      ...(results.get(`${label}, empty transaction`) ?? []),
      emptyUs,
    ])
  }
}
for (const [label, list] of results) {
  const sorted = list.sort((a, b) => a - b)
  console.log(`${label.padEnd(40)} median ${sorted[sorted.length >> 1]!.toFixed(1)} µs per transaction`)
}
rmSync(dir, { recursive: true, force: true })
