/**
 * A tab whose worker dies (crash, out of memory, terminate) while the tab lives on notices it (the browser
 * hands the tab the worker's Web Lock) and starts a new worker, so the tab can lead again: an only tab is
 * not stuck with LeaderUnavailableError. Writes in flight across the restart complete exactly once; a
 * worker that cannot be restarted is retried a bounded number of times, then writes fail fast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, until, type Harness } from './support/harness'
import { converge, expectOnDiskExactlyOnce, openTodosTab, todo } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

describe("a tab's worker dies", () => {
  it('only tab: the worker is restarted, the next write succeeds and is applied once', async () => {
    const context = await harness.newContext()
    const tab = await openTodosTab(harness, context, 'alone', { databaseName: 'respawn-only' })
    expect((await tab.call('insert', [todo('before')])).ok).toBe(true)
    const term = (await tab.call('leaderTerm'))!
    await tab.call('terminateWorker')
    const write = await tab.call('insert', [todo('after')])
    expect(write).toMatchObject({ ok: true })
    expect(await tab.call('isLeader')).toBe(true)
    expect((await tab.call('leaderTerm'))!).toBeGreaterThan(term)
    expect((await tab.call('stats')).workerRestarts).toBe(1)
    await converge([tab], ['after', 'before'])
    await expectOnDiskExactlyOnce(tab, ['after', 'before'])
    await context.close()
  })

  it('only tab: a stream of writes across the restart finishes, every write exactly once', async () => {
    const context = await harness.newContext()
    const tab = await openTodosTab(harness, context, 'alone', { databaseName: 'respawn-stream' })
    await tab.call('startStream', 's-', 30)
    await until(async () => (await tab.call('rows')).length >= 8, 'the stream to get going')
    await tab.call('terminateWorker')
    const result = await tab.call('awaitStream', 's-')
    expect(result.error).toBeUndefined()
    expect(result.acked).toHaveLength(30)
    expect((await tab.call('stats')).workerRestarts).toBe(1)
    await converge([tab], result.acked)
    await expectOnDiskExactlyOnce(tab, result.acked)
    await context.close()
  })

  it('a follower tab gets a new worker too and can lead once the leader tab is gone', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'respawn-follower' }
    const leader = await openTodosTab(harness, context, 'leader', db)
    const follower = await openTodosTab(harness, context, 'follower', db)
    await follower.call('terminateWorker')
    await until(async () => (await follower.call('stats')).workerRestarts === 1, 'the follower to restart')
    expect((await follower.call('insert', [todo('f')])).ok).toBe(true)
    await leader.page.close({ runBeforeUnload: false })
    await until(() => follower.call('isLeader'), 'the follower to lead with its new worker')
    expect((await follower.call('insert', [todo('g')])).ok).toBe(true)
    await expectOnDiskExactlyOnce(follower, ['f', 'g'])
    await context.close()
  })

  it('a worker that cannot be restarted: bounded retries with backoff, then writes fail fast with the typed error', async () => {
    const context = await harness.newContext()
    const tab = await openTodosTab(harness, context, 'alone', {
      databaseName: 'respawn-broken',
      brokenRespawn: true,
      leaderTimeoutMs: 300,
      rpcTimeoutMs: 300,
    })
    expect((await tab.call('insert', [todo('before')])).ok).toBe(true)
    await tab.call('terminateWorker')
    const failed = await tab.call('insert', [todo('orphan')])
    // The insert is one message, its commit included. The tab learns of its worker's death through a lock, a
    // moment later: if it posted the commit before that, the commit's fate is unknown to it ("unknown"); if
    // after, nothing was sent ("not-applied"). The new tab below shows it was not applied either way.
    expect(failed.ok ? undefined : failed.error).toMatchObject({
      code: 'PERSISTDB_WRITE_FAILED',
      cause: {
        code: 'PERSISTDB_LEADER_UNAVAILABLE',
        outcome: expect.stringMatching(/^(not-applied|unknown)$/),
      },
    })
    // Five restarts (100, 200, 400, 800, 1600 ms apart) and no more: the tab gave up, it does not spin.
    await until(async () => (await tab.call('stats')).workerRestarts === 5, 'the restarts to run out')
    const settled = (await tab.call('stats')).workerRestarts
    // Now the tab knows no leader is there: nothing is sent, and the write is reported not applied.
    const refused = await tab.call('insert', [todo('still-orphan')])
    expect(refused.ok ? undefined : refused.error).toMatchObject({
      code: 'PERSISTDB_WRITE_FAILED',
      cause: { code: 'PERSISTDB_LEADER_UNAVAILABLE', outcome: 'not-applied' },
    })
    expect((await tab.call('stats')).workerRestarts).toBe(settled)
    // A new tab brings a leader back; nothing of the failed writes was applied.
    const next = await openTodosTab(harness, context, 'next', { databaseName: 'respawn-broken' })
    expect((await next.call('rows')).map((r) => r.id)).toEqual(['before'])
    await context.close()
  })
})
