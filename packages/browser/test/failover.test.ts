/**
 * The leader goes away in the middle of a stream of writes from other tabs:
 * cleanly (the app closes the database, then the tab), by a crash of the tab
 * (page.close without unload handlers) and by its worker dying alone. No
 * acknowledged write may be lost or applied twice, and another tab must lead
 * within a bounded time (the streams finish without an error).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, until, type Harness, type Tab } from './support/harness'
import { converge, expectOnDiskExactlyOnce, openTodosTab } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

type Kill = 'close' | 'crash' | 'worker'

async function failoverDuringWrites(kill: Kill): Promise<void> {
  const context = await harness.newContext()
  const db = { databaseName: `failover-${kill}` }
  const leader = await openTodosTab(harness, context, 'leader', db)
  const f1 = await openTodosTab(harness, context, 'f1', db)
  const f2 = await openTodosTab(harness, context, 'f2', db)
  expect(await leader.call('isLeader')).toBe(true)
  const count = 25
  await f1.call('startStream', 'f1-', count)
  await f2.call('startStream', 'f2-', count)
  // Kill the leader once the streams are well under way.
  await until(async () => (await f1.call('rows')).length >= 10, 'the streams to get going')
  const killedAt = await f1.call('now')
  if (kill === 'close') {
    await leader.call('close')
    await leader.page.close()
  } else if (kill === 'crash') {
    await leader.page.close({ runBeforeUnload: false })
  } else {
    await leader.call('terminateWorker')
  }
  const results = [await f1.call('awaitStream', 'f1-'), await f2.call('awaitStream', 'f2-')]
  for (const result of results) {
    expect(result.error).toBeUndefined()
    expect(result.acked).toHaveLength(count)
  }
  const ids = results.flatMap((r) => r.acked)
  const alive: Tab[] = kill === 'worker' ? [leader, f1, f2] : [f1, f2]
  await converge(alive, ids)
  await expectOnDiskExactlyOnce(f1, ids)
  const leaders = await Promise.all([f1, f2].map((t) => t.call('isLeader')))
  expect(leaders.filter(Boolean)).toHaveLength(1)
  const log = await f1.call('leaderLog')
  const next = log.find((entry) => entry.at >= killedAt && entry.term !== undefined)
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b)
  console.log(
    `[measure] failover (${kill}): new leader known to a follower ${next ? next.at - killedAt : '?'} ms after the kill; ` +
      `follower write latency median ${latencies[latencies.length >> 1]!.toFixed(1)} ms, ` +
      `max ${latencies.at(-1)!.toFixed(0)} ms (max includes the failover)`,
  )
  await context.close()
}

describe('leader failover during a stream of writes', () => {
  it('leader tab closed cleanly: no acknowledged write lost or duplicated, a new leader takes over', () =>
    failoverDuringWrites('close'))

  it('leader tab crashed (page.close without unload): no acknowledged write lost or duplicated', () =>
    failoverDuringWrites('crash'))

  it("leader's worker terminated (tab stays open): no acknowledged write lost or duplicated", () =>
    failoverDuringWrites('worker'))

  it('a tab that dies with an open transaction does not block the other tabs', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'dead-tx' }
    const leader = await openTodosTab(harness, context, 'leader', db)
    const doomed = await openTodosTab(harness, context, 'doomed', db)
    await doomed.call('hangInTransaction')
    // Give the transaction time to open on the leader, then kill its tab.
    await until(async () => (await doomed.call('stats')).requests >= 3, 'the transaction to start')
    await doomed.page.close({ runBeforeUnload: false })
    expect((await leader.call('insert', [{ id: 'after', text: 'after' }])).ok).toBe(true)
    expect((await leader.call('diskRows')).map((r) => r.key)).toEqual(['after'])
    expect(await leader.call('sql', `SELECT name FROM sqlite_master WHERE name = 'hang_test'`)).toEqual([])
    await context.close()
  })
})
