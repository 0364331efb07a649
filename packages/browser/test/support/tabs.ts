/** Multi-tab helpers shared by the browser suites. */
import { expect } from 'vitest'
import type { BrowserContext } from 'playwright-core'
import { until, type Harness, type Tab } from './harness'
import type { OpenOptions, Todo } from './page'

export const todo = (id: string, by = 'test'): Todo => ({ id, text: `todo ${id}`, by })

/** Opens a tab on `databaseName` with the todos collection ready. */
export async function openTodosTab(
  harness: Harness,
  context: BrowserContext,
  name: string,
  options: OpenOptions,
): Promise<Tab> {
  const tab = await harness.openTab(context, name)
  const opened = await tab.call('open', options)
  if (!opened.ok) throw new Error(`${name}: open failed: ${JSON.stringify(opened.error)}`)
  const collection = await tab.call('openCollection')
  if (!collection.ok) throw new Error(`${name}: collection failed: ${JSON.stringify(collection.error)}`)
  return tab
}

/** Waits until every tab holds exactly `ids` (sorted) in memory. */
export async function converge(tabs: Tab[], ids: string[], timeoutMs = 20_000): Promise<void> {
  const want = [...ids].sort()
  await until(
    async () => {
      for (const tab of tabs) {
        const have = (await tab.call('rows')).map((r) => r.id)
        if (JSON.stringify(have) !== JSON.stringify(want)) return false
      }
      return true
    },
    `${tabs.map((t) => t.name).join(', ')} to hold ${want.length} rows`,
    timeoutMs,
  )
}

/** On disk: exactly `ids`, and (insert-only workloads) each key logged by exactly one committed transaction. */
export async function expectOnDiskExactlyOnce(tab: Tab, ids: string[]): Promise<void> {
  const disk = await tab.call('diskRows')
  expect(disk.map((r) => r.key)).toEqual([...ids].sort())
  const counts = new Map<string, number>()
  for (const keys of await tab.call('changeLog')) {
    if (keys === null) continue
    for (const key of JSON.parse(keys) as string[]) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const twice = ids.filter((id) => (counts.get(id) ?? 0) !== 1)
  expect(twice, 'keys not committed exactly once').toEqual([])
}
