/**
 * Raw better-sqlite3: the storage floor. The same storage work as a
 * persistence layer (JSON text per row, prepared statements, one transaction
 * per batch, WAL + synchronous=NORMAL like both packages), and nothing else.
 */
import Database from 'better-sqlite3'
import { makeRows, SECOND_MIN_SCORE, TOP_QUERY, updated, type BenchRow } from '../rows'
import { checkTop } from '../collection-ops'
import type { Target } from './types'

// The index and the query use the identical expression with an inlined path, so SQLite uses the index.
const SCORE = `json_extract(value, '$.score')`
const CATEGORY = `json_extract(value, '$.meta.category')`

function open(file: string): Database.Database {
  const database = new Database(file)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.exec('CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID')
  return database
}

function writeRows(database: Database.Database, rows: BenchRow[], perTx: number): void {
  const insert = database.prepare('INSERT INTO items (key, value) VALUES (?, ?)')
  const batch = database.transaction((slice: BenchRow[]) => {
    for (const row of slice) insert.run(row.id, JSON.stringify(row))
  })
  for (let i = 0; i < rows.length; i += perTx) batch(rows.slice(i, i + perTx))
}

function count(file: string): number {
  const database = open(file)
  const { n } = database.prepare('SELECT count(*) AS n FROM items').get() as { n: number }
  database.close()
  return n
}

function expectCount(file: string, n: number): void {
  const found = count(file)
  if (found !== n) throw new Error(`expected ${n} rows on disk, found ${found}`)
}

export const raw: Target = {
  async seed(file, kind, n) {
    const database = open(file)
    if (kind === 'indexed') database.exec(`CREATE INDEX items_score ON items (${SCORE})`)
    for (let from = 0; from < n; from += 5000)
      writeRows(database, makeRows(Math.min(5000, n - from), from), 5000)
    database.close()
    expectCount(file, n)
  },

  async hydrate(file, n) {
    const start = performance.now()
    const database = open(file)
    const rows: BenchRow[] = []
    for (const { value } of database.prepare('SELECT value FROM items').iterate() as Iterable<{
      value: string
    }>) {
      rows.push(JSON.parse(value) as BenchRow)
    }
    const readyMs = performance.now() - start
    const processMs = performance.now()
    database.close()
    if (rows.length !== n) throw new Error(`expected ${n} rows, read ${rows.length}`)
    return { readyMs, processMs }
  },

  async insert(file, n, perTx) {
    const rows = makeRows(n)
    const database = open(file)
    const start = performance.now()
    writeRows(database, rows, perTx)
    const ms = performance.now() - start
    database.close()
    expectCount(file, n)
    return { ms }
  },

  async updateDelete(file, n, perTx) {
    const rows = makeRows(n)
    const database = open(file)
    const update = database.prepare('UPDATE items SET value = ? WHERE key = ?')
    const remove = database.prepare('DELETE FROM items WHERE key = ?')
    const updateBatch = database.transaction((slice: BenchRow[]) => {
      for (const row of slice) {
        updated(row)
        update.run(JSON.stringify(row), row.id)
      }
    })
    const deleteBatch = database.transaction((slice: BenchRow[]) => {
      for (const row of slice) remove.run(row.id)
    })
    let start = performance.now()
    for (let i = 0; i < n; i += perTx) updateBatch(rows.slice(i, i + perTx))
    const updateMs = performance.now() - start
    start = performance.now()
    for (let i = 0; i < n; i += perTx) deleteBatch(rows.slice(i, i + perTx))
    const deleteMs = performance.now() - start
    database.close()
    expectCount(file, 0)
    return { updateMs, deleteMs }
  },

  async topQuery(file, _n, expectedIds, indexed) {
    const start = performance.now()
    const database = open(file)
    const top = database.prepare(
      `SELECT value FROM items WHERE ${CATEGORY} = ? AND ${SCORE} > ? ORDER BY ${SCORE} DESC LIMIT ?`,
    )
    const query = (minScore: number) =>
      (top.all(TOP_QUERY.category, minScore, TOP_QUERY.limit) as { value: string }[]).map(
        ({ value }) => JSON.parse(value) as BenchRow,
      )
    const rows = query(TOP_QUERY.minScore)
    const ms = performance.now() - start
    const processMs = performance.now()
    const second = performance.now()
    checkTop(query(SECOND_MIN_SCORE), expectedIds)
    const secondMs = performance.now() - second
    const plan = database
      .prepare(
        `EXPLAIN QUERY PLAN SELECT value FROM items WHERE ${CATEGORY} = ? AND ${SCORE} > ? ORDER BY ${SCORE} DESC`,
      )
      .all('x', 0) as { detail: string }[]
    database.close()
    // Indexed: the plan must use the score index; without one it scans (what the other targets face too).
    if (plan.some((step) => step.detail.includes('items_score')) !== indexed)
      throw new Error(`raw W4 ${indexed ? 'does not use' : 'unexpectedly uses'} an index`)
    checkTop(rows, expectedIds)
    return { ms, processMs, loaded: rows.length, secondMs }
  },
}
