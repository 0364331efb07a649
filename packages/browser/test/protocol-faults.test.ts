/**
 * Faults in the tab-to-leader protocol, in real Chromium.
 *
 * - Failure mode 17: a commit whose answer is slow is sent again by the
 *   client and still applies exactly once; and when the leader dies after
 *   committing but before answering, the client learns from the next leader
 *   (durable dedupe table) that it was applied, and does not apply it again.
 * - Failure mode 19: with no leader a write fails fast with
 *   LeaderUnavailableError (PERSISTDB_LEADER_UNAVAILABLE), after a bounded
 *   number of checks: no 30 s hang, no busy retry loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, until, type Harness } from './support/harness'
import { converge, expectOnDiskExactlyOnce, openTodosTab, todo } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

describe('failure mode 17: retried requests apply exactly once', () => {
  it('a commit answered only after the client gave up waiting is resent and applied once', async () => {
    const context = await harness.newContext()
    const leader = await openTodosTab(harness, context, 'leader', { databaseName: 'fm17-slow' })
    const follower = await openTodosTab(harness, context, 'follower', {
      databaseName: 'fm17-slow',
      rpcTimeoutMs: 200,
    })
    const term = await follower.call('leaderTerm')
    await follower.call('injectFault', { kind: 'delay-commit-answer', ms: 1500, count: 1 })
    expect((await follower.call('insert', [todo('slow')])).ok).toBe(true)
    const stats = await follower.call('stats')
    expect(stats.resends).toBeGreaterThanOrEqual(1)
    expect(await follower.call('leaderTerm')).toBe(term) // no failover involved
    expect((await follower.call('insert', [todo('next')])).ok).toBe(true)
    await converge([leader, follower], ['next', 'slow'])
    await expectOnDiskExactlyOnce(leader, ['next', 'slow'])
    await context.close()
  })

  it('the leader dies after committing and before answering: the next leader says "applied", nothing runs twice', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'fm17-failover' }
    const leader = await openTodosTab(harness, context, 'leader', db)
    const follower = await openTodosTab(harness, context, 'follower', db)
    const term = (await follower.call('leaderTerm'))!
    await follower.call('injectFault', { kind: 'crash-after-commit' })
    expect((await follower.call('insert', [todo('in-doubt')])).ok).toBe(true)
    expect((await follower.call('leaderTerm'))!).toBeGreaterThan(term)
    expect((await follower.call('stats')).leaderLost).toBeGreaterThanOrEqual(1)
    expect((await follower.call('insert', [todo('later')])).ok).toBe(true)
    await converge([leader, follower], ['in-doubt', 'later'])
    await expectOnDiskExactlyOnce(follower, ['in-doubt', 'later'])
    await context.close()
  })
})

describe('failure mode 19: no leader', () => {
  it('a write with no reachable leader fails fast with LeaderUnavailableError, without a retry loop', async () => {
    const context = await harness.newContext()
    const tab = await openTodosTab(harness, context, 'alone', {
      databaseName: 'fm19',
      rpcTimeoutMs: 500,
      leaderTimeoutMs: 500,
    })
    expect((await tab.call('insert', [todo('before')])).ok).toBe(true)
    await tab.call('terminateWorker', { respawn: false }) // the only worker, and it cannot come back
    const before = await tab.call('stats')
    const started = await tab.call('now')
    const failed = await tab.call('insert', [todo('orphan')])
    const elapsed = (await tab.call('now')) - started
    expect(failed.ok).toBe(false)
    // Core reports the failed write as PersistenceWriteError; its cause is the browser runtime's typed error.
    expect(failed.ok ? undefined : failed.error).toMatchObject({
      code: 'PERSISTDB_WRITE_FAILED',
      cause: { name: 'LeaderUnavailableError', code: 'PERSISTDB_LEADER_UNAVAILABLE', outcome: 'not-applied' },
    })
    const after = await tab.call('stats')
    // One late-answer check found the leader gone; nothing was retried in a loop.
    expect(after.timeouts - before.timeouts).toBeLessThanOrEqual(2)
    expect(after.resends - before.resends).toBe(0)
    console.log(
      `[measure] no leader: write failed after ${elapsed} ms (rpcTimeoutMs 500, leaderTimeoutMs 500)`,
    )
    // A new tab brings a leader back and the data is intact.
    const next = await openTodosTab(harness, context, 'next', { databaseName: 'fm19' })
    expect((await next.call('rows')).map((r) => r.id)).toEqual(['before'])
    await until(async () => (await tab.call('leaderTerm')) !== undefined, 'the old tab to see the new leader')
    await context.close()
  })
})
