/**
 * examples/react-todo in real Chromium, served by Vite with its own server
 * API: what a React user sees after a reload or an offline start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addTodo,
  bothListsShown,
  firstPaintProblems,
  firstRowsAt,
  openApp,
  pageRecord,
  savedCount,
  startExample,
  type ExampleServer,
} from './support'

const seed = [
  { id: 's1', text: 'from the server 1', createdAt: 1 },
  { id: 's2', text: 'from the server 2', createdAt: 2 },
]

let example: ExampleServer
beforeAll(async () => {
  example = await startExample(seed)
})
afterAll(async () => {
  await example?.close()
})

describe('examples/react-todo', () => {
  it('after a reload with the server down, the first committed render already shows the saved rows (and without persistence it does not)', async () => {
    example.api.setOnline(true)
    const context = await example.newContext()
    const one = await openApp(context, example.url, 'one')
    for (const text of ['alpha', 'beta', 'gamma']) await addTodo(one, text)
    await savedCount(one, 3)
    await one.waitForSelector('[data-list="shared"] li >> nth=1')

    example.api.setOnline(false)
    await one.reload()
    await bothListsShown(one)
    const reloaded = await pageRecord(one)
    expect(firstPaintProblems(reloaded, 'todos', 3)).toEqual([])
    expect(firstPaintProblems(reloaded, 'shared', 2)).toEqual([])
    // Each list appeared once, complete, and stayed so.
    expect(reloaded.states.todos).toEqual([{ kind: 'absent' }, { kind: 'rows', rows: 3 }])
    expect(reloaded.states.shared).toEqual([{ kind: 'absent' }, { kind: 'rows', rows: 2 }])
    // The same without Suspense, through useLiveQuery's isPersistedReady.
    expect(reloaded.states.summary).toEqual([{ kind: 'absent' }, { kind: 'rows', rows: 3 }])
    expect(firstPaintProblems(reloaded, 'summary', 3)).toEqual([])
    expect(reloaded.commits.map((c) => c.list).sort()).toContain('todos')
    console.log(`[react-todo] reload with the server down, first rows committed: ${firstRowsAt(reloaded)}`)
    const dropped = example.api.dropped
    expect(dropped).toBeGreaterThan(0) // the reloaded page did ask the server, and got nothing

    // A second tab opening with the server down: the same, read from disk through the leader tab.
    const two = await openApp(context, example.url, 'two')
    const opened = await pageRecord(two)
    expect(firstPaintProblems(opened, 'todos', 3)).toEqual([])
    expect(firstPaintProblems(opened, 'shared', 2)).toEqual([])

    // The control: the same app on plain TanStack collections. The check above must catch it.
    const control = await openApp(context, `${example.url}?persist=off`, 'control')
    const plain = await pageRecord(control)
    expect(firstPaintProblems(plain, 'todos', 3)).toContain('todos: shown as empty')
    expect(firstPaintProblems(plain, 'shared', 2)).toContain('shared: shown as error')
    expect(firstPaintProblems(plain, 'summary', 3)).toContain('summary: shown with 0 of 3 saved rows')
    await context.close()
  })

  it('a todo added in one tab appears in another', async () => {
    example.api.setOnline(true)
    const context = await example.newContext()
    const one = await openApp(context, example.url, 'one')
    const two = await openApp(context, example.url, 'two')
    await addTodo(one, 'buy milk')
    await two.waitForSelector('[data-list="todos"] li:has-text("buy milk")')
    await two.click('[data-list="todos"] li:has-text("buy milk") input[type=checkbox]')
    await one.waitForSelector('[data-list="todos"] li.done:has-text("buy milk")')
    await context.close()
  })

  it('an edit made offline is on disk after a reload', async () => {
    example.api.setOnline(true)
    const context = await example.newContext()
    const page = await openApp(context, example.url, 'one')
    await addTodo(page, 'water the plants')
    await savedCount(page, 1)

    example.api.setOnline(false)
    await page.reload()
    await page.waitForSelector('[data-list="todos"] li:has-text("water the plants")')
    await page.click('[data-list="todos"] li:has-text("water the plants") input[type=checkbox]')
    await savedCount(page, 1) // a fresh page: its first write
    await page.reload()
    await page.waitForSelector('[data-list="todos"] li.done:has-text("water the plants")')
    const record = await pageRecord(page)
    expect(firstPaintProblems(record, 'todos', 1)).toEqual([])
    expect(await page.locator('[data-list="todos"] li.done').count()).toBe(1)
    await context.close()
  })

  it('the synced list catches up when the server comes back', async () => {
    example.api.setOnline(true)
    const context = await example.newContext()
    const page = await openApp(context, example.url, 'one')
    await page.waitForSelector('[data-list="shared"] li >> nth=1')

    example.api.setOnline(false)
    await page.reload()
    await bothListsShown(page)
    example.api.rows.push({ id: 's3', text: 'added while you were away', createdAt: 3 })
    // The page polls: wait for a poll to fail after the row was added, so it could have shown up by now.
    const before = example.api.dropped
    await expect.poll(() => example.api.dropped, { timeout: 20_000 }).toBeGreaterThan(before)
    expect(await page.locator('[data-list="shared"] li').count()).toBe(2)

    example.api.setOnline(true)
    await page.waitForSelector('[data-list="shared"] li:has-text("added while you were away")')
    expect(await page.locator('[data-list="shared"] li').count()).toBe(3)
    const record = await pageRecord(page)
    expect(firstPaintProblems(record, 'shared', 2)).toEqual([])
    await context.close()
  })
})
