/**
 * One tab, real Chromium, real OPFS.
 *
 * - Reload: write, reload the page, everything is back.
 * - Failure mode 3, "acknowledged before durable": a write whose promise
 *   resolved survives the tab being killed right after.
 * - Failure mode 14, "coordinator hangs startup": one tab alone leads and is
 *   ready without a single RPC timeout or retry.
 * - OPFS unavailable: the documented PersistenceUnavailableError, or with
 *   `fallback: 'indexeddb'` the same database in IndexedDB, several tabs too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reload, startHarness, until, type Harness } from './support/harness'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

const todo = (id: string, text = `todo ${id}`) => ({ id, text })

describe('one tab', () => {
  it('reload: rows written before a reload are all back after it', async () => {
    const context = await harness.newContext()
    const tab = await harness.openTab(context, 'tab')
    expect((await tab.call('open', { databaseName: 'reload' })).ok).toBe(true)
    expect((await tab.call('openCollection')).ok).toBe(true)
    expect(await tab.call('insert', [todo('a'), todo('b')])).toMatchObject({ ok: true })
    expect(await tab.call('update', 'a', 'changed')).toEqual({ ok: true })
    expect(await tab.call('insert', [todo('c')])).toMatchObject({ ok: true })
    expect(await tab.call('remove', 'b')).toEqual({ ok: true })

    await reload(tab)
    await tab.call('open', { databaseName: 'reload' })
    const opened = await tab.call('openCollection')
    expect(opened).toMatchObject({ ok: true, size: 2 })
    expect(await tab.call('rows')).toEqual([todo('a', 'changed'), todo('c')])
    await context.close()
  })

  it('failure mode 3: an acknowledged write survives the tab being killed right after', async () => {
    const context = await harness.newContext()
    const tab = await harness.openTab(context, 'tab')
    await tab.call('open', { databaseName: 'fm3' })
    await tab.call('openCollection')
    const rows = Array.from({ length: 20 }, (_, i) => todo(`r${String(i).padStart(2, '0')}`))
    const result = await tab.call('insertEach', rows)
    expect(result.acked).toHaveLength(20)
    await tab.page.close({ runBeforeUnload: false })

    const next = await harness.openTab(context, 'next')
    await next.call('open', { databaseName: 'fm3' })
    expect(await next.call('openCollection')).toMatchObject({ ok: true, size: 20 })
    expect(await next.call('rows')).toEqual(rows)
    await context.close()
  })

  it('failure mode 14: one tab alone leads and is ready with no RPC timeout or retry', async () => {
    const context = await harness.newContext()
    const tab = await harness.openTab(context, 'tab')
    const opened = await tab.call('open', { databaseName: 'fm14' })
    const collection = await tab.call('openCollection')
    expect(collection.ok).toBe(true)
    expect(await tab.call('isLeader')).toBe(true)
    expect(await tab.call('stats')).toMatchObject({ timeouts: 0, resends: 0, leaderLost: 0 })
    console.log(
      `[measure] one tab: database handle ${opened.ok ? opened.ms.toFixed(0) : '?'} ms, ` +
        `collection ready ${collection.ok ? collection.ms.toFixed(0) : '?'} ms (cold start, empty database)`,
    )
    await context.close()
  })

  it('OPFS unavailable: open rejects with PersistenceUnavailableError (PERSISTDB_PERSISTENCE_UNAVAILABLE)', async () => {
    const context = await harness.newContext()
    const tab = await harness.openTab(context, 'tab')
    const opened = await tab.call('open', { databaseName: 'no-opfs', noOpfs: true })
    expect(opened.ok).toBe(false)
    expect(opened.ok ? undefined : opened.error).toMatchObject({
      name: 'PersistenceUnavailableError',
      code: 'PERSISTDB_PERSISTENCE_UNAVAILABLE',
    })
    expect(opened.ok ? '' : opened.error.message).toMatch(/createSyncAccessHandle/)
    await context.close()
  })

  it("OPFS unavailable with fallback: 'indexeddb': rows survive a reload and reach a second tab", async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'idb', noOpfs: true, fallback: 'indexeddb' as const }
    const tab = await harness.openTab(context, 'tab')
    expect((await tab.call('open', db)).ok).toBe(true)
    expect(await tab.call('storage')).toBe('indexeddb')
    expect((await tab.call('openCollection')).ok).toBe(true)
    expect((await tab.call('insert', [todo('a'), todo('b')])).ok).toBe(true)
    await reload(tab)
    await tab.call('open', db)
    expect(await tab.call('openCollection')).toMatchObject({ ok: true, size: 2 })
    const other = await harness.openTab(context, 'other')
    await other.call('open', db)
    await other.call('openCollection')
    expect((await other.call('insert', [todo('c')])).ok).toBe(true)
    await until(
      async () => (await tab.call('rows')).length === 3,
      "the first tab to see the second tab's row",
    )
    expect(await tab.call('rows')).toEqual([todo('a'), todo('b'), todo('c')])
    await context.close()
  })
})
