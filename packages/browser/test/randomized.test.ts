/**
 * A seeded, reproducible multi-tab scenario: random writes (inserts,
 * updates, deletes, some concurrent from several tabs), reloads, clean
 * closes, crashes and new tabs. After every step the tabs must converge to a
 * simple model, and at the end the file must hold exactly the model.
 *
 * PERSISTDB_BROWSER_SEED=<n> replays a run; PERSISTDB_BROWSER_STEPS=<n>
 * runs longer (default 30 steps keeps `npm test` fast).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reload, startHarness, until, type Harness, type Tab } from './support/harness'
import { openTodosTab } from './support/tabs'

const SEED = Number(process.env.PERSISTDB_BROWSER_SEED ?? Date.now() % 1_000_000)
const STEPS = Number(process.env.PERSISTDB_BROWSER_STEPS ?? 30)

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

/** mulberry32: small, seeded, good enough to pick actions. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe(`randomized multi-tab scenario (seed ${SEED}, ${STEPS} steps)`, () => {
  it('all tabs converge to the model after random writes, reloads, closes and crashes', async () => {
    console.log(`[randomized] PERSISTDB_BROWSER_SEED=${SEED} PERSISTDB_BROWSER_STEPS=${STEPS}`)
    const random = prng(SEED)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const context = await harness.newContext()
    const db = { databaseName: 'random' }
    let tabCount = 0
    const newTab = () => openTodosTab(harness, context, `t${++tabCount}`, db)
    const tabs: Tab[] = [await newTab(), await newTab(), await newTab()]
    const model = new Map<string, string>()
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`)
    const history: string[] = []

    const expected = () =>
      [...model].map(([id, text]) => ({ id, text, by: 'random' })).sort((a, b) => (a.id < b.id ? -1 : 1))
    const converged = (tab: Tab) =>
      until(
        async () => JSON.stringify(await tab.call('rows')) === JSON.stringify(expected()),
        `${tab.name} to match the model`,
      )

    for (let step = 0; step < STEPS; step++) {
      const roll = random()
      if (roll < 0.55) {
        const tab = pick(tabs)
        await converged(tab) // a tab edits what it has seen, as a user would
        const key = pick(keys)
        const text = `v${step}`
        const op = !model.has(key) ? 'insert' : random() < 0.3 ? 'remove' : 'update'
        history.push(`${step}: ${tab.name} ${op} ${key}=${text}`)
        const result =
          op === 'insert'
            ? await tab.call('insert', [{ id: key, text, by: 'random' }])
            : op === 'remove'
              ? await tab.call('remove', key)
              : await tab.call('update', key, text)
        expect(result.ok, JSON.stringify(result)).toBe(true)
        if (op === 'remove') model.delete(key)
        else model.set(key, text)
      } else if (roll < 0.7) {
        // Concurrent inserts of fresh keys from every tab.
        const fresh = tabs.map((tab, i) => ({ tab, id: `c${step}-${i}` }))
        history.push(`${step}: concurrent inserts ${fresh.map((f) => f.id).join(',')}`)
        const results = await Promise.all(
          fresh.map((f) => f.tab.call('insert', [{ id: f.id, text: 'c', by: 'random' }])),
        )
        for (const r of results) expect(r.ok, JSON.stringify(r)).toBe(true)
        for (const f of fresh) model.set(f.id, 'c')
      } else if (roll < 0.8) {
        const tab = pick(tabs)
        history.push(`${step}: reload ${tab.name}`)
        await reload(tab)
        expect((await tab.call('open', db)).ok).toBe(true)
        expect((await tab.call('openCollection')).ok).toBe(true)
      } else if (roll < 0.92 && tabs.length > 1) {
        const tab = pick(tabs)
        const crash = random() < 0.5
        history.push(`${step}: ${crash ? 'crash' : 'close'} ${tab.name}`)
        tabs.splice(tabs.indexOf(tab), 1)
        if (!crash) await tab.call('close')
        await tab.page.close({ runBeforeUnload: false })
      } else if (tabs.length < 4) {
        const tab = await newTab()
        history.push(`${step}: open ${tab.name}`)
        tabs.push(tab)
      }
    }
    for (const tab of tabs) await converged(tab)
    const disk = await tabs[0]!.call('diskRows')
    expect(
      disk.map((r) => r.key),
      history.join('\n'),
    ).toEqual(expected().map((r) => r.id))
    await context.close()
  })
})
