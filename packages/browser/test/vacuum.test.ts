/**
 * Issue 14 in real Chromium: `persistence.vacuum()` on the browser runtime. SQLite refuses VACUUM inside a
 * transaction and every tab statement runs in a fenced one, so the leader runs it as its own request
 * between transactions, from its own tab or forwarded by a follower; the file shrinks and keeps every row.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startHarness, type Harness, type Tab } from './support/harness'
import { converge, openTodosTab } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

const big = (id: string) => ({ id, text: `${id} ${'x'.repeat(8000)}` })
const range = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)

async function pages(tab: Tab): Promise<{ pages: number; free: number }> {
  const [count] = await tab.call('sql', 'PRAGMA page_count')
  const [free] = await tab.call('sql', 'PRAGMA freelist_count')
  return { pages: Number(count!.page_count), free: Number(free!.freelist_count) }
}

async function fileSize(tab: Tab): Promise<number> {
  const size = await tab.call('opfsFileSize', 'vacuum')
  if (size === undefined) throw new Error('the OPFS file could not be read')
  return size
}

/** Inserts 300 rows of 8 KB, deletes all but the first `keep`, and returns the ids kept. */
async function fillAndDelete(tab: Tab, prefix: string, keep: number): Promise<string[]> {
  const ids = range(prefix, 300)
  expect((await tab.call('insert', ids.map(big))).ok).toBe(true)
  expect((await tab.call('removeMany', ids.slice(keep))).ok).toBe(true)
  return ids.slice(0, keep)
}

describe('vacuum() in the browser', () => {
  it('from the leader and from a follower tab: the file shrinks, every row stays, writes work afterwards', async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'vacuum' }
    const leader = await openTodosTab(harness, context, 'leader', db)
    await leader.call('waitUntilLeader')
    const follower = await openTodosTab(harness, context, 'follower', db)
    expect(await follower.call('isLeader')).toBe(false)

    // From the leader's tab.
    const kept = await fillAndDelete(leader, 'a', 10)
    const before = await pages(leader)
    // The idle checkpoint folds the WAL into the file: then the file holds every page, free ones too.
    await vi.waitFor(async () => expect(await fileSize(leader)).toBeGreaterThanOrEqual(before.pages * 4096), {
      timeout: 10_000,
    })
    expect(before.free).toBeGreaterThan(200)
    expect(await leader.call('vacuum')).toEqual({ ok: true })
    const after = await pages(leader)
    expect(after.free).toBe(0)
    expect(after.pages).toBeLessThan(before.pages / 3)
    // The OPFS file (read while the leader holds it): VACUUM's checkpoint truncated it to its pages.
    expect(await fileSize(leader)).toBe(after.pages * 4096)
    expect((await leader.call('diskRows')).map((r) => r.key)).toEqual(kept)

    // From a follower: forwarded to the leader as its own request; a write of the leader's tab sent
    // meanwhile waits its turn and commits.
    kept.push(...(await fillAndDelete(follower, 'b', 10)))
    const before2 = await pages(follower)
    await vi.waitFor(
      async () => expect(await fileSize(follower)).toBeGreaterThanOrEqual(before2.pages * 4096),
      { timeout: 10_000 },
    )
    expect(before2.free).toBeGreaterThan(200)
    const [vacuumed, wrote] = await Promise.all([
      follower.call('vacuum'),
      leader.call('insert', [big('during')]),
    ])
    expect(vacuumed).toEqual({ ok: true })
    expect(wrote.ok).toBe(true)
    kept.push('during')
    const after2 = await pages(follower)
    expect(after2.free).toBe(0)
    expect(after2.pages).toBeLessThan(before2.pages / 3)
    expect(await fileSize(follower)).toBeLessThan((before2.pages * 4096) / 3)

    // Writes work afterwards, from both tabs, and every row is there.
    expect((await leader.call('insert', [big('c1')])).ok).toBe(true)
    expect((await follower.call('insert', [big('c2')])).ok).toBe(true)
    kept.push('c1', 'c2')
    kept.sort()
    expect((await follower.call('diskRows')).map((r) => r.key)).toEqual(kept)
    await converge([leader, follower], kept)

    await context.close()
  })

  it("on the fallback: 'indexeddb' storage too: pages given back, rows kept, writes work afterwards", async () => {
    const context = await harness.newContext()
    const db = { databaseName: 'vacuum-idb', noOpfs: true, fallback: 'indexeddb' as const }
    const tab = await openTodosTab(harness, context, 'idb', db)
    expect(await tab.call('storage')).toBe('indexeddb')
    const kept = await fillAndDelete(tab, 'a', 10)
    const before = await pages(tab)
    expect(before.free).toBeGreaterThan(200)
    expect(await tab.call('vacuum')).toEqual({ ok: true })
    const after = await pages(tab)
    expect(after.free).toBe(0)
    expect(after.pages).toBeLessThan(before.pages / 3)
    expect((await tab.call('insert', [big('c')])).ok).toBe(true)
    expect((await tab.call('diskRows')).map((r) => r.key)).toEqual([...kept, 'c'])
    await context.close()
  })
})
