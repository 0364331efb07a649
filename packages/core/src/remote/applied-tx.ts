import type { CommitOnce } from '../persistence-options'
import { query, run, type StorageOp } from '../runner'

/**
 * Durable dedupe of remote commits: a commit's transaction id is recorded in
 * the same SQLite transaction as its rows, so a client that lost the answer
 * and resends learns "applied" instead of writing twice, across server
 * restarts too. Entries are kept for an hour (a client resends within
 * seconds) and at most 10 000.
 */
const RETAIN_MS = 60 * 60 * 1000
const MAX_ENTRIES = 10_000

export function* createAppliedTable(): StorageOp<void> {
  yield run(
    `CREATE TABLE IF NOT EXISTS persistdb_remote_applied ` +
      `(tx_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`,
  )
}

export function commitOnce(txId: string, prune: boolean, onDuplicate: () => void): CommitOnce {
  return {
    *applied() {
      const rows = yield* query(`SELECT seq FROM persistdb_remote_applied WHERE tx_id = ?`, [txId])
      if (rows.length === 0) return undefined
      onDuplicate()
      return Number(rows[0]!.seq)
    },
    *record(seq) {
      const now = Date.now()
      yield run(`INSERT INTO persistdb_remote_applied (tx_id, seq, at) VALUES (?, ?, ?)`, [txId, seq, now])
      if (!prune) return
      yield run(`DELETE FROM persistdb_remote_applied WHERE at < ?`, [now - RETAIN_MS])
      yield run(
        `DELETE FROM persistdb_remote_applied WHERE tx_id IN ` +
          `(SELECT tx_id FROM persistdb_remote_applied ORDER BY at DESC LIMIT -1 OFFSET ?)`,
        [MAX_ENTRIES],
      )
    },
  }
}

export function* collectionExists(num: number): StorageOp<boolean> {
  return (yield* query(`SELECT 1 AS found FROM persistdb_collections WHERE id = ?`, [num])).length > 0
}
