/**
 * Several tabs of one origin on one database, in real Chromium.
 *
 * - Three tabs writing concurrently: every write present exactly once in
 *   every tab and on disk (failure mode 1: writers never collide on a
 *   position; each commit gets its own change-log entry).
 * - Failure mode 15: tab 2 opened while tab 1 is busy writing is ready
 *   without timeouts, both see each other's writes, closing tab 1 hands over.
 * - Failure mode 18: a follower catches up on a small commit by reading the
 *   changed keys only, not by reloading the collection; after a failover too.
 * - Failure mode 20: a schema reset in one tab reaches the others.
 * - Two tabs opening a brand-new database at the same moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, until, type Harness } from './support/harness'
import { converge, expectOnDiskExactlyOnce, openTodosTab, todo } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

describe('several tabs', () => {
  it('failure mode 1 / three tabs writing concurrently: every write exactly once in every tab and on disk', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'three' }
    const tabs = [
      await openTodosTab(harness, context, 'A', db),
      await openTodosTab(harness, context, 'B', db),
      await openTodosTab(harness, context, 'C', db),
    ]
    const leaders = await Promise.all(tabs.map((t) => t.call('isLeader')))
    expect(leaders.filter(Boolean)).toHaveLength(1)
    const perTab = 12
    const writes = tabs.map((tab) =>
      Array.from({ length: perTab }, (_, i) => todo(`${tab.name}${String(i).padStart(2, '0')}`, tab.name)),
    )
    const results = await Promise.all(tabs.map((tab, i) => tab.call('insertEach', writes[i]!)))
    for (const result of results) expect(result.error).toBeUndefined()
    const ids = writes.flat().map((t) => t.id)
    await converge(tabs, ids)
    for (const tab of tabs)
      expect(await tab.call('rows')).toEqual(writes.flat().sort((a, b) => (a.id < b.id ? -1 : 1)))
    await expectOnDiskExactlyOnce(tabs[0]!, ids)

    // And from disk alone: a fresh tab after every other tab closed.
    for (const tab of tabs) await tab.page.close()
    const fresh = await openTodosTab(harness, context, 'fresh', db)
    expect((await fresh.call('rows')).map((r) => r.id)).toEqual([...ids].sort())
    await context.close()
  })

  it('failure mode 15: tab 2 opened while tab 1 writes is ready at once, both see each other, closing tab 1 hands over', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'fm15' }
    const one = await openTodosTab(harness, context, 'one', db)
    const busy = one.call(
      'insertEach',
      Array.from({ length: 30 }, (_, i) => todo(`one-${String(i).padStart(2, '0')}`)),
    )
    const two = await openTodosTab(harness, context, 'two', db)
    expect(await two.call('stats')).toMatchObject({ timeouts: 0, resends: 0, leaderLost: 0 })
    expect(await two.call('isLeader')).toBe(false)
    expect((await two.call('insert', [todo('two-a')])).ok).toBe(true)
    const first = await busy
    expect(first.error).toBeUndefined()
    const ids = [...first.acked, 'two-a']
    await converge([one, two], ids)

    await one.page.close()
    await until(() => two.call('isLeader'), 'tab two to lead')
    expect((await two.call('insert', [todo('two-b')])).ok).toBe(true)
    await converge([two], [...ids, 'two-b'])
    await expectOnDiskExactlyOnce(two, [...ids, 'two-b'])
    await context.close()
  })

  it('failure mode 18: a follower catches up on a small commit incrementally, also after a failover', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'fm18' }
    const leader = await openTodosTab(harness, context, 'leader', db)
    const bulk = Array.from({ length: 300 }, (_, i) => todo(`bulk${String(i).padStart(3, '0')}`))
    expect((await leader.call('insert', bulk)).ok).toBe(true)
    const follower = await openTodosTab(harness, context, 'follower', db)
    const third = await openTodosTab(harness, context, 'third', db)
    const ids = bulk.map((t) => t.id)
    await converge([follower, third], ids)

    const before = await follower.call('stats')
    expect((await leader.call('insert', [todo('small')])).ok).toBe(true)
    await converge([follower], [...ids, 'small'])
    const after = await follower.call('stats')
    // A reload would read all 301 rows; catching up reads the change log entry and the one changed key.
    expect(after.rowsReceived - before.rowsReceived).toBeLessThan(10)

    // Failover: the leader tab goes away; the follower's view stays incremental (the log is in the file).
    await leader.page.close()
    await until(
      async () => (await follower.call('isLeader')) || (await third.call('isLeader')),
      'a new leader',
    )
    const mid = await follower.call('stats')
    expect((await third.call('insert', [todo('after-failover')])).ok).toBe(true)
    await converge([follower, third], [...ids, 'small', 'after-failover'])
    const end = await follower.call('stats')
    expect(end.rowsReceived - mid.rowsReceived).toBeLessThan(10)
    await context.close()
  })

  it('failure mode 20: a schema reset in one tab reaches the other tabs', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'fm20' }
    const a = await openTodosTab(harness, context, 'a', db)
    const b = await openTodosTab(harness, context, 'b', db)
    const rows = [todo('x'), todo('y')]
    expect((await a.call('insert', rows)).ok).toBe(true)
    await converge([a, b], ['x', 'y'])

    // Tab a opens the collection at schemaVersion 2 with a migration: rows are rewritten in one transaction.
    const migrated = await a.call('openCollection', {
      id: 'todos',
      schemaVersion: 2,
      upperCaseMigration: true,
    })
    expect(migrated.ok).toBe(true)
    await until(
      async () => (await b.call('rows')).every((r) => r.text === r.text.toUpperCase()),
      'tab b to see the migrated rows',
    )
    expect(await b.call('rows')).toEqual(rows.map((r) => ({ ...r, text: r.text.toUpperCase() })))

    // A synced collection reset (schemaVersion bump) reaches the other tab too: its rows are dropped there.
    const synced = [todo('s1'), todo('s2')]
    expect((await a.call('openCollection', { id: 'feed', syncedRows: synced })).ok).toBe(true)
    expect((await b.call('openCollection', { id: 'feed', syncedRows: synced })).ok).toBe(true)
    expect(
      (await a.call('openCollection', { id: 'feed', schemaVersion: 2, syncedRows: [todo('s3')] })).ok,
    ).toBe(true)
    await until(
      async () => !(await b.call('rows', 'feed')).some((r) => r.id === 's1'),
      'tab b to drop reset rows',
    )
    expect((await a.call('diskRows', 'feed')).map((r) => r.key)).toEqual(['s3'])
    await context.close()
  })

  it('two tabs opening a brand-new database at the same moment', async () => {
    const context = await harness.newContext()
    const [p, q] = await Promise.all([harness.openTab(context, 'p'), harness.openTab(context, 'q')])
    const db = { databaseName: 'brand-new' }
    const opened = await Promise.all([p.call('open', db), q.call('open', db)])
    expect(opened.map((o) => o.ok)).toEqual([true, true])
    const collections = await Promise.all([p.call('openCollection'), q.call('openCollection')])
    expect(collections.map((c) => c.ok)).toEqual([true, true])
    const writes = await Promise.all([p.call('insert', [todo('from-p')]), q.call('insert', [todo('from-q')])])
    expect(writes.map((w) => w.ok)).toEqual([true, true])
    await converge([p, q], ['from-p', 'from-q'])
    expect((await p.call('sql', 'SELECT count(*) AS n FROM persistdb_collections'))[0]).toEqual({ n: 1 })
    await context.close()
  })
})
