import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  ALREADY_APPLIED,
  driveInTransaction,
  fenceAndRecord,
  runExactlyOnce,
  takeNextTerm,
  wasApplied,
  type WriteOutcome,
} from '@persistdb/core/remote'
import { BetterSqliteTestDriver } from '../support/sqlite-test-driver'

/** What the transport does to one exchange: delivers it, loses the request, or loses the answer after the server ran it. */
type Fault = 'ok' | 'lose-request' | 'lose-answer'

class Lost extends Error {}
class Failed extends Error {
  constructor(
    readonly error: unknown,
    readonly outcome: WriteOutcome,
  ) {
    super('failed')
  }
}

/**
 * A server over a real SQLite file applying one insert per transaction id
 * with the shared dedupe ops, behind a transport that follows `faults`.
 */
function lossyServer(faults: Fault[]) {
  const driver = new BetterSqliteTestDriver(':memory:', 'sync')
  driver.db.exec('CREATE TABLE todo (n INTEGER)')
  const term = driveInTransaction(driver, takeNextTerm) as number
  let exchange = 0
  const through = <T>(serve: () => T): T => {
    const fault = faults[exchange++] ?? 'ok'
    if (fault === 'lose-request') throw new Lost()
    const answer = serve()
    if (fault === 'lose-answer') throw new Lost()
    return answer
  }
  return {
    driver,
    ask: (txId: string) => through(() => driveInTransaction(driver, () => wasApplied(txId)) as boolean),
    commit: (txId: string, n: number) =>
      through(() =>
        driveInTransaction(driver, function* () {
          // No dedupe here: asking first is the client's part (as a browser leader answers `begin`); the
          // primary key of the applied table still refuses a duplicate commit.
          yield { kind: 'run', sql: 'INSERT INTO todo VALUES (?)', params: [n] } as const
          yield* fenceAndRecord(term, txId)
        }),
      ),
    rows: () => (driver.db.prepare('SELECT n FROM todo').all() as { n: number }[]).map((r) => r.n),
  }
}

function write(server: ReturnType<typeof lossyServer>, maxAttempts: number) {
  return runExactlyOnce<string>({
    maxAttempts,
    isLost: (error) => error instanceof Lost,
    failure: (error, outcome) => new Failed(error, outcome),
    exhausted: (outcome) => new Failed(undefined, outcome),
    attempt: async ({ txId, commitMayBeApplied, commitSent }) => {
      if (commitMayBeApplied && server.ask(txId)) return ALREADY_APPLIED
      commitSent('done')
      server.commit(txId, 1)
      return 'done'
    },
  })
}

describe('the exactly-once rule', () => {
  test.prop(
    [
      fc.array(fc.constantFrom<Fault>('ok', 'lose-request', 'lose-answer'), { maxLength: 8 }),
      fc.integer({ min: 1, max: 5 }),
    ],
    { numRuns: 200 },
  )(
    'whatever is lost, a write applies at most once, resolves only if applied, and "not applied" is never a lie',
    async (faults, maxAttempts) => {
      const server = lossyServer(faults)
      let result: { ok: true } | { ok: false; outcome: WriteOutcome }
      try {
        expect(await write(server, maxAttempts)).toBe('done')
        result = { ok: true }
      } catch (error) {
        expect(error).toBeInstanceOf(Failed)
        result = { ok: false, outcome: (error as Failed).outcome }
      }
      const rows = server.rows()
      expect(rows.length).toBeLessThanOrEqual(1)
      if (result.ok) expect(rows).toEqual([1])
      else if (result.outcome === 'not-applied') expect(rows).toEqual([])
      server.driver.close()
    },
  )

  it('a lost commit answer is learned from the dedupe record: resolved with the committed value, applied once', async () => {
    const server = lossyServer(['lose-answer'])
    expect(await write(server, 3)).toBe('done')
    expect(server.rows()).toEqual([1])
    server.driver.close()
  })

  it('a failure that is not a loss is reported at once, "unknown" once a commit was sent', async () => {
    const boom = new Error('refused')
    const failures: WriteOutcome[] = []
    for (const sendFirst of [false, true]) {
      await expect(
        runExactlyOnce({
          isLost: () => false,
          failure: (error, outcome) => (failures.push(outcome), error),
          exhausted: () => new Error('unreachable'),
          attempt: async ({ commitSent }) => {
            if (sendFirst) commitSent(1)
            throw boom
          },
        }),
      ).rejects.toBe(boom)
    }
    expect(failures).toEqual(['not-applied', 'unknown'])
  })
})
