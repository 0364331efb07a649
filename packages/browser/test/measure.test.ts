/**
 * Measurements for the docs (opt-in: PERSISTDB_BROWSER_MEASURE=1; prints, asserts only correctness):
 * time to ready with 10k / 100k rows in a tab, write latency from a follower tab, failover time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reload, startHarness, until, type Harness } from './support/harness'
import { openTodosTab, todo } from './support/tabs'

const enabled = process.env.PERSISTDB_BROWSER_MEASURE === '1'

let harness: Harness
beforeAll(async () => {
  if (enabled) harness = await startHarness()
})
afterAll(() => harness?.close())

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!

describe.runIf(enabled)('measurements', () => {
  for (const rows of [10_000, 100_000]) {
    it(`time to ready with ${rows} rows`, { timeout: 600_000 }, async () => {
      const context = await harness.newContext()
      const db = { databaseName: `measure-${rows}` }
      const tab = await openTodosTab(harness, context, 'tab', db)
      for (let start = 0; start < rows; start += 10_000) {
        const batch = Array.from({ length: 10_000 }, (_, i) =>
          todo(`row${String(start + i).padStart(6, '0')}`),
        )
        expect((await tab.call('insert', batch)).ok).toBe(true)
      }
      await reload(tab)
      const opened = await tab.call('open', db)
      const ready = await tab.call('openCollection')
      expect(ready).toMatchObject({ ok: true, size: rows })
      // A second tab while the first leads.
      const second = await harness.openTab(context, 'second')
      const opened2 = await second.call('open', db)
      const ready2 = await second.call('openCollection')
      expect(ready2).toMatchObject({ ok: true, size: rows })
      const table = (await tab.call('sql', `SELECT id FROM persistdb_collections WHERE name = 'todos'`))[0]!
        .id
      const scan = `SELECT key, value, meta FROM "persistdb_c${Number(table)}_rows"`
      const leaderRead = await tab.call('timedRead', scan)
      const followerRead = await second.call('timedRead', scan)
      expect([leaderRead.rows, followerRead.rows]).toEqual([rows, rows])
      console.log(
        `[measure] ${rows}-row read through the driver (warm): leader tab ${leaderRead.ms.toFixed(0)} ms, ` +
          `follower tab ${followerRead.ms.toFixed(0)} ms`,
      )
      console.log(
        `[measure] ${rows} rows: leader tab ready ${(opened.ok ? opened.ms : 0) + (ready.ok ? ready.ms : 0)} ms ` +
          `after reload; follower tab ready ${(opened2.ok ? opened2.ms : 0) + (ready2.ok ? ready2.ms : 0)} ms`,
      )
      await context.close()
    })
  }

  it('write latency: leader tab vs follower tab, and failover time', { timeout: 600_000 }, async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'measure-latency' }
    const leader = await openTodosTab(harness, context, 'leader', db)
    const follower = await openTodosTab(harness, context, 'follower', db)
    const n = 100
    const mine = await leader.call(
      'insertEach',
      Array.from({ length: n }, (_, i) => todo(`l${i}`)),
    )
    const theirs = await follower.call(
      'insertEach',
      Array.from({ length: n }, (_, i) => todo(`f${i}`)),
    )
    console.log(
      `[measure] one-row transaction, sequential, ${n} each: leader tab median ${median(mine.latencies).toFixed(1)} ms, ` +
        `follower tab median ${median(theirs.latencies).toFixed(1)} ms`,
    )
    const failovers: number[] = []
    let current = leader
    let other = follower
    for (let i = 0; i < 3; i++) {
      const killedAt = await other.call('now')
      await current.page.close({ runBeforeUnload: false })
      await until(() => other.call('isLeader'), 'the other tab to lead')
      const log = await other.call('leaderLog')
      failovers.push(log.find((e) => e.at >= killedAt && e.isLeader)!.at - killedAt)
      current = other
      other = await openTodosTab(harness, context, `next${i}`, db)
    }
    console.log(`[measure] failover (leader tab crashed → other tab leads): ${failovers.join(', ')} ms`)
    await context.close()
  })
})
