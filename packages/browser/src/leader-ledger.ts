/**
 * The leader's side of exactly-once, on the shared fencing and dedupe ops of
 * `@persistdb/core/remote`: its term, "was this transaction applied?", and the
 * fence-and-record step inside every commit. A deposed leader cannot commit,
 * and a client that lost a commit's answer asks the next leader whether its
 * transaction id is recorded.
 */
import {
  drive,
  fenceAndRecord,
  pruneApplied,
  PRUNE_EVERY_COMMITS,
  RecentlyApplied,
  takeNextTerm,
  wasApplied,
} from '@persistdb/core/remote'
import type { WorkerDatabase } from './sqlite'

export class CommitLedger {
  private readonly recent = new RecentlyApplied()
  private commits = 0

  private constructor(
    private readonly db: WorkerDatabase,
    readonly term: number,
  ) {}

  /** Creates the fence tables if needed and takes the next term in its own write transaction. */
  static async start(db: WorkerDatabase): Promise<CommitLedger> {
    const term = await db.transaction(async () => drive(db, takeNextTerm()))
    return new CommitLedger(db, term)
  }

  async wasApplied(txId: string): Promise<boolean> {
    if (this.recent.has(txId)) return true
    return drive(this.db, wasApplied(txId))
  }

  /**
   * Inside the open transaction, before COMMIT: throws LeaderFencedError when another leader has taken a
   * newer term, else records `txId` (and bounds the dedupe table now and then).
   */
  async fenceAndRecord(txId: string): Promise<void> {
    await drive(this.db, fenceAndRecord(this.term, txId))
    if (++this.commits % PRUNE_EVERY_COMMITS === 0) await drive(this.db, pruneApplied())
  }

  /** After COMMIT: answers "applied?" for `txId` from memory from now on. */
  committed(txId: string): void {
    this.recent.add(txId)
  }
}
