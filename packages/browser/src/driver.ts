/**
 * The SQLiteDriver every tab gives core: statements go to the leader.
 *
 * A transaction carries a txId that stays the same across attempts (the
 * shared exactly-once rule, runExactlyOnce of `@persistdb/core/remote`). If its
 * leader goes away before COMMIT was sent, nothing was applied: the body runs
 * again on the next leader. If the COMMIT answer was lost, the next `begin`
 * (or the resent commit) asks a leader whether txId is in the durable dedupe
 * table: yes means applied (resolve with the body's result), no means rolled
 * back (run the body again). So each transaction applies exactly once.
 */
import {
  PersistenceClosedError,
  type SQLiteDriver,
  type SQLiteExecutor,
  type SQLiteLimits,
  type SQLiteRow,
  type SQLiteValue,
} from '@persistdb/core'
import { LeaderUnavailableError } from './errors'
import type { BrowserCollectionCoordinator } from './coordinator'
import { AttemptLostError, LeaderLostError } from './remote-failure'
import { randomId, type Statement } from './protocol'
import { ALREADY_APPLIED, runExactlyOnce, type AttemptContext } from '@persistdb/core/remote'

/** A transaction is attempted at most this often (each retry needs a new leader or a lost answer). */
const MAX_ATTEMPTS = 20

/** The one statement `run` sends as a `vacuum` request instead of a transaction (`VACUUM INTO` is a read). */
const VACUUM = /^\s*VACUUM\s*;?\s*$/i

/**
 * The compile-time limits of @journeyapps/wa-sqlite 2.0.6's builds (both report SQLite's defaults in
 * `PRAGMA compile_options`: MAX_VARIABLE_NUMBER=32766, MAX_SQL_LENGTH=1000000000,
 * MAX_LIKE_PATTERN_LENGTH=50000; a browser test checks these against the engine).
 */
export const WA_SQLITE_LIMITS: SQLiteLimits = {
  maxParameters: 32_766,
  maxStatementBytes: 1_000_000_000,
  maxLikePatternBytes: 50_000,
}

export class BrowserWASQLiteDriver implements SQLiteDriver {
  readonly mode = 'async' as const
  readonly limits: SQLiteLimits = WA_SQLITE_LIMITS
  /**
   * Reads are isolated by the leader itself: it serves a read only while no transaction is open on its one
   * connection (reads queue behind it, whichever tab it belongs to), so core need not queue them here too.
   */
  readonly isolation = 'connection' as const
  private closed = false

  constructor(
    readonly coordinator: BrowserCollectionCoordinator,
    private readonly ownsCoordinator: boolean,
  ) {}

  async all(sql: string, params: readonly SQLiteValue[] = []): Promise<readonly SQLiteRow[]> {
    this.assertOpen()
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.coordinator.request({ t: 'all', sql, params: [...params] })
        return response.rows ?? []
      } catch (error) {
        // A read is safe to repeat on the next leader.
        if (error instanceof LeaderLostError && attempt < MAX_ATTEMPTS) continue
        throw toPublicError(error, this.coordinator.databaseName)
      }
    }
  }

  /**
   * Outside a transaction a statement may write: it runs as a one-statement transaction (exactly once).
   * `VACUUM` (what core's `vacuum()` runs) cannot run in a transaction: it goes to the leader as its own
   * request (see `vacuum`).
   */
  async run(sql: string, params: readonly SQLiteValue[] = []): Promise<void> {
    if (params.length === 0 && VACUUM.test(sql)) return this.vacuum()
    await this.transaction((tx) => tx.run(sql, params))
  }

  /**
   * Rebuilds the file to give free pages back (VACUUM, then an emptied WAL). The leader runs it outside any
   * transaction while every tab's other requests wait their turn; from any tab. Repeated on the next leader
   * if the leader went away meanwhile (a VACUUM changes no rows: running it twice is harmless).
   */
  async vacuum(): Promise<void> {
    this.assertOpen()
    for (let attempt = 1; ; attempt++) {
      try {
        await this.coordinator.request({ t: 'vacuum' })
        return
      } catch (error) {
        if (error instanceof LeaderLostError && attempt < MAX_ATTEMPTS) continue
        throw toPublicError(error, this.coordinator.databaseName)
      }
    }
  }

  async transaction<T>(body: (tx: SQLiteExecutor) => T | Promise<T>): Promise<T> {
    this.assertOpen()
    const { coordinator } = this
    const { databaseName } = coordinator
    return runExactlyOnce<T>({
      maxAttempts: MAX_ATTEMPTS,
      isLost: isAttemptLost,
      failure: (error, outcome) => toPublicError(error, databaseName, outcome),
      exhausted: (outcome) => new LeaderUnavailableError(databaseName, 0, outcome),
      attempt: (context) => this.attempt(context, body),
    })
  }

  /** One attempt of a transaction: a fresh attempt id on the current leader, the same txId as the others. */
  private async attempt<T>(
    { txId, commitMayBeApplied, commitSent }: AttemptContext<T>,
    body: (tx: SQLiteExecutor) => T | Promise<T>,
  ): Promise<T | typeof ALREADY_APPLIED> {
    const { coordinator } = this
    const attemptId = randomId()
    let lost = false
    let begun = false
    let n = 0
    /** `run` statements not sent yet: they go with the next step that needs an answer (an `all`, or COMMIT). */
    let batched: Statement[] = []
    const step = async (stmts: Statement[], commit: boolean) => {
      const from = n - stmts.length + 1
      const begin = !begun
      begun = true
      try {
        return await coordinator.request({ t: 'tx', txId, attempt: attemptId, begin, from, stmts, commit })
      } catch (error) {
        if (isAttemptLost(error)) lost = true
        throw error
      }
    }
    const flush = (last: Statement | undefined, commit: boolean) => {
      const stmts = last ? [...batched, last] : batched
      batched = []
      return step(stmts, commit)
    }
    if (commitMayBeApplied) {
      // A commit of this txId may have been applied: ask (the leader's `begin` answers it) before running
      // the body again.
      const asked = await step([], false)
      if (asked.applied) return ALREADY_APPLIED
    }
    const tx: SQLiteExecutor = {
      all: async (sql, params = []) => {
        n++
        return (await flush({ sql, params: [...params] }, false)).rows ?? []
      },
      // Answered at once: its outcome arrives with the next answered step, and a failure there means this
      // transaction never commits (the leader refuses to), so nothing is acknowledged that did not happen.
      run: (sql, params = []) => {
        n++
        batched.push({ sql, params: [...params] })
      },
      // Core's batching capability: the runs between two reads travel with the next step, in order; the
      // leader stops at the first that fails and the transaction then never commits (as for `run`).
      runBatch: (statements) => {
        for (const { sql, params = [] } of statements) {
          n++
          batched.push({ sql, params: [...params] })
        }
      },
    }
    let value: T
    try {
      value = await body(tx)
    } catch (error) {
      if (lost) {
        // The body failed because its attempt was lost: run it again. If a leader still holds that attempt
        // open (it answered "unknown" or out of order), release it now rather than at its idle timeout.
        void send(coordinator, { t: 'rollback', txId, attempt: attemptId })
        throw new LeaderLostError()
      }
      if (begun) await send(coordinator, { t: 'rollback', txId, attempt: attemptId })
      throw error
    }
    // Only a commit that may reach a leader can be applied: with no leader at all the request fails
    // before anything is sent, and the write is reported as not applied (not "outcome unknown").
    await coordinator.waitForLeader().catch((error: unknown) => {
      if (begun) void send(coordinator, { t: 'rollback', txId, attempt: attemptId })
      throw error
    })
    commitSent(value)
    await flush(undefined, true)
    return value
  }

  private assertOpen(): void {
    if (this.closed) throw new PersistenceClosedError()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.ownsCoordinator) await this.coordinator.close()
  }
}

/** Best effort: the leader also rolls back a transaction whose tab is gone or that idles. */
async function send(
  coordinator: BrowserCollectionCoordinator,
  body: Parameters<BrowserCollectionCoordinator['request']>[0],
): Promise<void> {
  await coordinator.request(body).catch(() => undefined)
}

/** The attempt cannot finish (leader gone, or this leader never saw it / a newer term fenced it): retry. */
function isAttemptLost(error: unknown): boolean {
  return error instanceof LeaderLostError || error instanceof AttemptLostError
}

function toPublicError(
  error: unknown,
  databaseName: string,
  outcome: 'not-applied' | 'unknown' = 'not-applied',
) {
  if (error instanceof LeaderUnavailableError && outcome === 'unknown' && error.outcome !== 'unknown') {
    return new LeaderUnavailableError(databaseName, 0, 'unknown')
  }
  if (error instanceof LeaderLostError) return new LeaderUnavailableError(databaseName, 0, outcome)
  return error
}
