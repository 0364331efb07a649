/**
 * Issue 4: a synced collection open in several tabs, each tab's source
 * ingesting upstream transactions at the same time. No tab's ingestion may
 * drop or duplicate another tab's transactions: disk ends at the upstream's
 * final state, every tab's memory converges to it, and the change log holds
 * one entry per committed transaction.
 *
 * Each tab's fake upstream delivers its own keys (inserts, updates, deletes,
 * a re-insert) plus a shared upstream log of keys every tab receives, batched
 * differently in each tab; all streams end in the same final state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, until, type Harness, type Tab } from './support/harness'
import type { Todo, UpstreamOp } from './support/page'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

const FEED = 'feed'
const row = (id: string, version: number, by: string): Todo => ({ id, text: `${id} v${version}`, by })

/** One tab's own upstream: transactions that touch only keys `${tab}-NN`. */
function ownStream(tab: string): UpstreamOp[][] {
  const key = (i: number) => `${tab}-${String(i).padStart(2, '0')}`
  const txs: UpstreamOp[][] = [[0, 1, 2, 3, 4].map((i) => ({ type: 'insert', value: row(key(i), 1, tab) }))]
  for (let i = 5; i < 10; i++) txs.push([{ type: 'insert', value: row(key(i), 1, tab) }])
  for (let i = 0; i < 10; i += 2) txs.push([{ type: 'update', value: row(key(i), 2, tab) }])
  txs.push(
    [{ type: 'delete', key: key(3) }],
    [
      { type: 'delete', key: key(7) },
      { type: 'delete', key: key(8) },
    ],
  )
  txs.push([{ type: 'insert', value: row(key(3), 3, tab) }])
  return txs
}

/**
 * The shared upstream log, in upstream order: every tab receives all of it, at its own pace. A slower
 * tab delivers inserts of rows a faster tab already advanced (or deleted and re-inserted): the file's
 * rule is last commit wins, and every tab's log ends in the same state.
 */
const SHARED: UpstreamOp[] = [
  ...[0, 1, 2, 3, 4, 5].map((i): UpstreamOp => ({ type: 'insert', value: row(`S-${i}`, 1, 'up') })),
  { type: 'update', value: row('S-0', 2, 'up') },
  { type: 'update', value: row('S-1', 2, 'up') },
  { type: 'delete', key: 'S-2' },
  { type: 'update', value: row('S-3', 2, 'up') },
  { type: 'delete', key: 'S-5' },
  { type: 'update', value: row('S-3', 3, 'up') },
  { type: 'insert', value: row('S-2', 4, 'up') },
]

/** Splits the shared log into transactions of `size` ops and interleaves them with the tab's own ones. */
function tabStream(tab: string, size: number): UpstreamOp[][] {
  const own = ownStream(tab)
  const shared: UpstreamOp[][] = []
  for (let i = 0; i < SHARED.length; i += size) shared.push(SHARED.slice(i, i + size))
  const out: UpstreamOp[][] = []
  while (own.length > 0 || shared.length > 0) {
    if (own.length > 0) out.push(own.shift()!)
    if (shared.length > 0) out.push(shared.shift()!)
  }
  return out
}

/** The model: the upstream's final state after applying `txs` in order (updates carry whole rows). */
function finalState(streams: UpstreamOp[][][]): Todo[] {
  const state = new Map<string, Todo>()
  for (const txs of streams)
    for (const op of txs.flat()) {
      if (op.type === 'delete') state.delete(op.key)
      else state.set(op.value.id, op.value)
    }
  return [...state.values()].sort((a, b) => (a.id < b.id ? -1 : 1))
}

async function openFeedTab(context: Parameters<Harness['openTab']>[0], name: string): Promise<Tab> {
  const tab = await harness.openTab(context, name)
  expect((await tab.call('open', { databaseName: 'synced-tabs' })).ok).toBe(true)
  expect((await tab.call('openCollection', { id: FEED, syncedRows: [] })).ok).toBe(true)
  return tab
}

describe('a synced collection in several tabs', () => {
  it('issue 4: tabs ingesting concurrently never drop or duplicate each other’s transactions', async () => {
    const context = await harness.newContext()
    const names = ['A', 'B', 'C']
    const tabs = await Promise.all(names.map((name) => openFeedTab(context, name)))
    // Different batching of the shared log per tab (1, 2 and 4 ops a transaction).
    const streams = names.map((name, i) => tabStream(name, 2 ** i))
    const want = finalState(streams)
    // Every tab's stream alone reaches the same state for the shared keys.
    for (const s of streams)
      expect(finalState([s]).filter((r) => r.id.startsWith('S-'))).toEqual(
        want.filter((r) => r.id.startsWith('S-')),
      )

    const results = await Promise.all(tabs.map((tab, i) => tab.call('push', streams[i]!, FEED)))
    results.forEach((result, i) => {
      expect(result.error, `tab ${names[i]} ingestion`).toBeUndefined()
      expect(result.committed).toBe(streams[i]!.length)
    })

    // Disk: every upstream row exactly once (the key is the primary key) with its final value, nothing else.
    const disk = await tabs[0]!.call('diskRows', FEED)
    expect(disk.map((r) => ({ key: r.key, value: JSON.parse(r.value) as Todo }))).toEqual(
      want.map((r) => ({ key: r.id, value: r })),
    )

    // Memory: every tab converges to the same rows.
    await until(async () => {
      for (const tab of tabs)
        if (JSON.stringify(await tab.call('rows', FEED)) !== JSON.stringify(want)) return false
      return true
    }, 'every tab to hold the final upstream state')
    for (const tab of tabs) expect(await tab.call('rows', FEED)).toEqual(want)

    // Change log: each own-key transaction of each tab is one entry (none lost, none doubled);
    // every shared key was logged (a tab's re-delivery of a row another tab already wrote may be no change).
    const logged = new Map<string, number>()
    for (const keys of await tabs[1]!.call('changeLog')) {
      if (keys === null) continue
      for (const key of JSON.parse(keys) as string[]) logged.set(key, (logged.get(key) ?? 0) + 1)
    }
    const expected = new Map<string, number>()
    for (const name of names)
      for (const tx of ownStream(name))
        for (const key of new Set(tx.map((op) => (op.type === 'delete' ? op.key : op.value.id))))
          expected.set(key, (expected.get(key) ?? 0) + 1)
    expect(new Map([...logged].filter(([key]) => !key.startsWith('S-')))).toEqual(expected)
    for (let i = 0; i < 6; i++) expect(logged.get(`S-${i}`) ?? 0, `S-${i} logged`).toBeGreaterThan(0)

    // From disk alone: a fresh tab after every other tab closed.
    for (const tab of tabs) await tab.page.close()
    const fresh = await openFeedTab(context, 'fresh')
    expect(await fresh.call('rows', FEED)).toEqual(want)
    await context.close()
  })
})
