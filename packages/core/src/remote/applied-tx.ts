import type { CommitOnce } from '../persistence-options'
import { headSeq } from '../change-log'
import { query, type StorageOp } from '../runner'
import { fenceAndRecord, pruneApplied, wasApplied } from './dedupe'

/**
 * Exactly-once for remote commits, on the shared protocol's durable dedupe
 * (dedupe.ts): the commit's transaction id is checked and recorded in the
 * same SQLite transaction as its rows, under the server's term (a server
 * is a permanent leader: it takes a term once, at start, and a newer server
 * on the same file fences it). A resend of an applied id writes nothing.
 */
export function commitOnce(term: number, txId: string, prune: boolean, onDuplicate: () => void): CommitOnce {
  return {
    *applied() {
      if (!(yield* wasApplied(txId))) return undefined
      onDuplicate()
      // A position at or after the earlier apply (the applied table keeps ids, not positions).
      return yield* headSeq()
    },
    *record() {
      yield* fenceAndRecord(term, txId)
      if (prune) yield* pruneApplied()
    },
  }
}

export function* collectionExists(num: number): StorageOp<boolean> {
  return (yield* query(`SELECT 1 AS found FROM persistdb_collections WHERE id = ?`, [num])).length > 0
}
