/**
 * The client's half of exactly-once. A write carries one transaction id for
 * all its attempts:
 *
 * - an attempt lost before its commit was sent applied nothing: try again;
 * - once a commit was sent, its answer may be lost although it was applied:
 *   the next attempt first asks whether the id is recorded (the server's
 *   durable dedupe, dedupe.ts). "Applied" means done: resolve with what the
 *   committed attempt produced, never run it twice;
 * - a failure after a commit was sent whose outcome cannot be learned is
 *   reported as "outcome unknown", never as "not applied".
 *
 * The transport decides what "lost" means (its server went away, the server
 * no longer knows the transaction, a newer leader fenced it).
 */
import { InvalidRemoteMessageError } from '@persistdb/core'
import { randomId } from './protocol'

/** The answer of an attempt that found its transaction id already recorded. */
export const ALREADY_APPLIED: unique symbol = Symbol('persistdb.alreadyApplied')

export type WriteOutcome = 'not-applied' | 'unknown'

export interface AttemptContext<T> {
  /** The transaction id, the same for every attempt. */
  readonly txId: string
  /** 1 for the first attempt. */
  readonly attempt: number
  /** True when an earlier attempt sent its commit: ask whether it was applied before doing anything else. */
  readonly commitMayBeApplied: boolean
  /** Call right before sending the commit, with what the write resolves with should that commit be applied. */
  commitSent(value: T): void
}

export interface ExactlyOnceOptions<T> {
  /** Runs one attempt: resolves with the result, with ALREADY_APPLIED, or throws. */
  attempt(context: AttemptContext<T>): Promise<T | typeof ALREADY_APPLIED>
  /** True when the attempt was lost and may be made again. */
  isLost(error: unknown): boolean
  /** The error to report for a failure that is not a loss (`outcome`: whether a commit was sent). */
  failure(error: unknown, outcome: WriteOutcome): unknown
  /** The error to report when every attempt was lost. */
  exhausted(outcome: WriteOutcome): unknown
  /** Attempts at most (each retry needs a lost attempt). Default 20. */
  maxAttempts?: number
  /** The transaction id (default: a new random one). */
  txId?: string
}

export async function runExactlyOnce<T>(options: ExactlyOnceOptions<T>): Promise<T> {
  const txId = options.txId ?? randomId()
  const maxAttempts = options.maxAttempts ?? 20
  let sent: { value: T } | undefined
  const outcome = (): WriteOutcome => (sent ? 'unknown' : 'not-applied')
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let result: T | typeof ALREADY_APPLIED
    try {
      result = await options.attempt({
        txId,
        attempt,
        commitMayBeApplied: sent !== undefined,
        commitSent: (value) => void (sent = { value }),
      })
    } catch (error) {
      if (options.isLost(error)) continue
      throw options.failure(error, outcome())
    }
    if (result !== ALREADY_APPLIED) return result
    // A server says "applied" only for an id it recorded, which only a sent commit can have done.
    if (sent) return sent.value
    throw options.failure(
      new InvalidRemoteMessageError(`transaction ${txId} was reported applied before its commit was sent`),
      'unknown',
    )
  }
  throw options.exhausted(outcome())
}
