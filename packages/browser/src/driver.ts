/**
 * The SQLiteDriver every tab gives core: statements go to the leader.
 *
 * A transaction carries a txId that stays the same across attempts. If its
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
  type SQLiteRow,
  type SQLiteValue,
} from '@persistdb/core'
import { LeaderUnavailableError } from './errors'
import { LeaderLostError, RemoteError, type BrowserCollectionCoordinator } from './coordinator'
import { randomId } from './protocol'

/** A transaction is attempted at most this often (each retry needs a new leader or a lost answer). */
const MAX_ATTEMPTS = 20

export class BrowserWASQLiteDriver implements SQLiteDriver {
  readonly mode = 'async' as const
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

  /** Outside a transaction a statement may write: it runs as a one-statement transaction (exactly once). */
  async run(sql: string, params: readonly SQLiteValue[] = []): Promise<void> {
    await this.transaction((tx) => tx.run(sql, params))
  }

  async transaction<T>(body: (tx: SQLiteExecutor) => T | Promise<T>): Promise<T> {
    this.assertOpen()
    const { coordinator } = this
    const txId = randomId()
    /** Set once a COMMIT was sent: the body's result, in case that commit turns out to have been applied. */
    let sentForCommit: { value: T } | undefined
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const attemptId = randomId()
      let lost = false
      const send = async (body: Parameters<BrowserCollectionCoordinator['request']>[0]) => {
        try {
          return await coordinator.request(body)
        } catch (error) {
          if (isAttemptLost(error)) lost = true
          throw error
        }
      }
      try {
        const begun = await send({ t: 'begin', txId, attempt: attemptId })
        if (begun.applied) {
          if (sentForCommit) return sentForCommit.value
          throw new Error(`transaction ${txId} is marked applied but was never sent for commit`)
        }
        let n = 0
        const tx: SQLiteExecutor = {
          all: async (sql, params = []) =>
            (await send({ t: 'stmt', txId, attempt: attemptId, n: ++n, sql, params: [...params] })).rows ??
            [],
          run: async (sql, params = []) => {
            await send({ t: 'stmt', txId, attempt: attemptId, n: ++n, sql, params: [...params] })
          },
        }
        let value: T
        try {
          value = await body(tx)
        } catch (error) {
          if (lost) continue // the body failed because its leader went away: run it again
          await send({ t: 'rollback', txId, attempt: attemptId }).catch(() => undefined)
          throw error
        }
        sentForCommit = { value }
        await send({ t: 'commit', txId, attempt: attemptId })
        return value
      } catch (error) {
        if (lost || isAttemptLost(error)) continue
        throw toPublicError(error, coordinator.databaseName, sentForCommit ? 'unknown' : 'not-applied')
      }
    }
    throw new LeaderUnavailableError(coordinator.databaseName, 0, sentForCommit ? 'unknown' : 'not-applied')
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

/** The attempt cannot finish (leader gone, or this leader never saw it / a newer term fenced it): retry. */
function isAttemptLost(error: unknown): boolean {
  return (
    error instanceof LeaderLostError ||
    (error instanceof RemoteError && (error.kind === 'TX_UNKNOWN' || error.kind === 'FENCED'))
  )
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
