/**
 * Fencing and durable dedupe, in the file itself: every leader takes the
 * next term in a write transaction, every commit checks (inside its own
 * transaction) that the term is still the committing leader's and records
 * its transaction id. A deposed leader cannot commit, and a client that lost
 * a commit's answer asks the next leader whether its id is recorded.
 */
import type { WorkerDatabase } from './sqlite'

/** Dedupe entries are kept this long (a client asks within one failover) and at most this many. */
const APPLIED_RETAIN_MS = 60 * 60 * 1000
const APPLIED_MAX = 10_000

/** Creates the fence tables if needed and takes the next term (in its own write transaction). */
export function takeNextTerm(db: WorkerDatabase): Promise<number> {
  return db.transaction(async () => {
    await db.run(
      `CREATE TABLE IF NOT EXISTS persistdb_browser_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
    )
    await db.run(
      `CREATE TABLE IF NOT EXISTS persistdb_browser_applied (tx_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
    )
    const rows = await db.all(`SELECT value FROM persistdb_browser_meta WHERE key = 'term'`)
    const next = Number(rows[0]?.value ?? 0) + 1
    await db.run(`INSERT OR REPLACE INTO persistdb_browser_meta (key, value) VALUES ('term', ?)`, [next])
    return next
  })
}

export class FencedError extends Error {}

/**
 * Inside the open transaction, before COMMIT: throws FencedError when another
 * leader has taken a newer term, else records `txId` as applied.
 */
export async function fenceAndRecord(db: WorkerDatabase, term: number, txId: string): Promise<void> {
  const rows = await db.all(`SELECT value FROM persistdb_browser_meta WHERE key = 'term'`)
  if (Number(rows[0]?.value) !== term) {
    throw new FencedError(`leader term ${term} was superseded by term ${String(rows[0]?.value)}`)
  }
  await db.run(`INSERT INTO persistdb_browser_applied (tx_id, at) VALUES (?, ?)`, [txId, Date.now()])
}

export async function wasRecorded(db: WorkerDatabase, txId: string): Promise<boolean> {
  const rows = await db.all(`SELECT 1 AS x FROM persistdb_browser_applied WHERE tx_id = ?`, [txId])
  return rows.length > 0
}

/** Bounds the dedupe table by age and count (runs inside a commit now and then). */
export async function pruneRecorded(db: WorkerDatabase): Promise<void> {
  await db.run(`DELETE FROM persistdb_browser_applied WHERE at < ?`, [Date.now() - APPLIED_RETAIN_MS])
  await db.run(
    `DELETE FROM persistdb_browser_applied WHERE tx_id IN ` +
      `(SELECT tx_id FROM persistdb_browser_applied ORDER BY at DESC LIMIT -1 OFFSET ?)`,
    [APPLIED_MAX],
  )
}
