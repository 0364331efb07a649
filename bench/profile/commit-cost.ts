/**
 * The SQLite part of a one-row transaction, PersistDB's shape against raw better-sqlite3's, on real files:
 *   node --import tsx bench/profile/commit-cost.ts [transactions=5000]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { makeRows } from '../src/rows'

const n = Number(process.argv[2] ?? 5000)
const dir = mkdtempSync(join(tmpdir(), 'persistdb-commit-'))
const rows = makeRows(n).map((row) => [row.id, JSON.stringify(row)] as const)

function open(name: string): Database.Database {
  const db = new Database(join(dir, name))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`CREATE TABLE rows (key ANY PRIMARY KEY, value TEXT, meta TEXT) WITHOUT ROWID;
    CREATE TABLE changes (seq INTEGER PRIMARY KEY, collection INTEGER NOT NULL, writer TEXT NOT NULL, keys TEXT, at INTEGER NOT NULL)`)
  return db
}

const shapes: Record<string, (db: Database.Database) => (key: string, value: string) => void> = {
  'raw: db.transaction(insert)': (db) => {
    const insert = db.prepare('INSERT INTO rows (key, value) VALUES (?, ?)')
    const tx = db.transaction((k: string, v: string) => insert.run(k, v))
    return (k, v) => tx(k, v)
  },
  'BEGIN IMMEDIATE, upsert, COMMIT': (db) => {
    const [begin, commit] = [db.prepare('BEGIN IMMEDIATE'), db.prepare('COMMIT')]
    const upsert = db.prepare(
      'INSERT INTO rows (key, value, meta) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, meta = excluded.meta',
    )
    return (k, v) => {
      begin.run()
      upsert.run(k, v, null)
      commit.run()
    }
  },
  'BEGIN, upsert, COMMIT': (db) => {
    const [begin, commit] = [db.prepare('BEGIN'), db.prepare('COMMIT')]
    const upsert = db.prepare(
      'INSERT INTO rows (key, value, meta) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, meta = excluded.meta',
    )
    return (k, v) => {
      begin.run()
      upsert.run(k, v, null)
      commit.run()
    }
  },
  'BEGIN IMMEDIATE, upsert, change log, COMMIT': (db) => {
    const [begin, commit] = [db.prepare('BEGIN IMMEDIATE'), db.prepare('COMMIT')]
    const upsert = db.prepare(
      'INSERT INTO rows (key, value, meta) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, meta = excluded.meta',
    )
    const log = db.prepare(
      'INSERT INTO changes (collection, writer, keys, at) VALUES (?, ?, ?, ?) RETURNING seq',
    )
    return (k, v) => {
      begin.run()
      upsert.run(k, v, null)
      log.all(1, 'writer-id-0123456789:1', JSON.stringify([k]), Date.now())
      commit.run()
    }
  },
}

const results = new Map<string, number[]>()
for (let round = 0; round < 7; round++) {
  for (const [label, make] of Object.entries(shapes)) {
    const name = `${round}-${label.replace(/\W+/g, '-')}.sqlite`
    const db = open(name)
    const write = make(db)
    const t0 = performance.now()
    for (const [k, v] of rows) write(k, v)
    const us = ((performance.now() - t0) * 1000) / n
    db.close()
    results.set(label, [...(results.get(label) ?? []), us])
  }
}
for (const [label, list] of results) {
  const sorted = list.sort((a, b) => a - b)
  console.log(`${label.padEnd(46)} median ${sorted[sorted.length >> 1]!.toFixed(0)} µs per transaction`)
}
rmSync(dir, { recursive: true, force: true })
