/**
 * Serves examples/react-todo with Vite (as `npm run demo:react` does, but on
 * a free port and with a server API the test can take down) and records, in
 * every page from its first script on, each state the two lists were in.
 */
import { fileURLToPath } from 'node:url'
import { createServer, type ViteDevServer } from 'vite'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../../../packages/browser/test/support/harness'
import { createTodoApi, type SharedTodo, type TodoApi } from '../server/api'
import { exampleConfig } from '../vite.config'

export type ListName = 'todos' | 'shared' | 'summary'

/** What a list showed at one moment: not there yet, its rows, the empty state, or the error state. */
export type ListState =
  { kind: 'absent' } | { kind: 'rows'; rows: number } | { kind: 'empty' } | { kind: 'error' }

export interface ExampleServer {
  api: TodoApi
  url: string
  browser: Browser
  /** A fresh browser context (its own OPFS) whose pages record their list states from the start. */
  newContext(): Promise<BrowserContext>
  close(): Promise<void>
}

export async function startExample(seed: SharedTodo[]): Promise<ExampleServer> {
  const api = createTodoApi(seed)
  const root = fileURLToPath(new URL('..', import.meta.url))
  const vite: ViteDevServer = await createServer({
    ...exampleConfig(api),
    root,
    configFile: false,
    server: { port: 0, host: '127.0.0.1' },
    logLevel: 'warn',
  })
  await vite.listen()
  const url = `http://localhost:${(vite.httpServer!.address() as { port: number }).port}/`
  const browser = await launchChromium()
  return {
    api,
    url,
    browser,
    async newContext() {
      const context = await browser.newContext()
      await context.addInitScript(recordListStates)
      return context
    },
    async close() {
      await browser.close()
      await vite.close()
    },
  }
}

/**
 * Runs in the page before any of its scripts: the commit log the app writes
 * to, and a MutationObserver that notes every change of what each list shows
 * (observer callbacks run before the browser paints, so no painted state is missed).
 */
function recordListStates(): void {
  const w = window as unknown as { __commitLog: unknown[]; __listStates: Record<string, unknown[]> }
  w.__commitLog = []
  const lists = ['todos', 'shared', 'summary']
  w.__listStates = Object.fromEntries(lists.map((list) => [list, [{ kind: 'absent' }]]))
  const stateOf = (list: string) => {
    const element = document.querySelector<HTMLElement>(`[data-list="${list}"]`)
    if (!element) return { kind: 'absent' }
    if (element.tagName === 'UL') return { kind: 'rows', rows: element.querySelectorAll('li').length }
    if (element.dataset.rows !== undefined) return { kind: 'rows', rows: Number(element.dataset.rows) }
    return { kind: element.classList.contains('error') ? 'error' : 'empty' }
  }
  new MutationObserver(() => {
    for (const list of lists) {
      const states = w.__listStates[list]!
      const next = stateOf(list)
      if (JSON.stringify(next) !== JSON.stringify(states[states.length - 1])) states.push(next)
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
}

export interface PageRecord {
  states: Record<ListName, ListState[]>
  /** Committed renders; `at` is ms since navigation start. */
  commits: Array<{ list: ListName; rows: number; at: number }>
}

export async function pageRecord(page: Page): Promise<PageRecord> {
  return page.evaluate(() => {
    const w = window as unknown as { __commitLog: PageRecord['commits']; __listStates: PageRecord['states'] }
    return {
      states: w.__listStates,
      commits: w.__commitLog.map(({ list, rows, at }) => ({ list, rows, at })),
    }
  })
}

/**
 * Judges one list of a page load against `saved`, the rows on disk: every
 * state it was ever shown in, after "absent", must hold at least that many
 * rows, and so must every committed render. Returns what went wrong, if anything.
 */
export function firstPaintProblems(record: PageRecord, list: ListName, saved: number): string[] {
  const problems: string[] = []
  const shown = record.states[list].filter((state) => state.kind !== 'absent')
  if (shown.length === 0) problems.push(`${list}: never shown`)
  for (const state of shown) {
    if (state.kind !== 'rows') problems.push(`${list}: shown as ${state.kind}`)
    else if (state.rows < saved) problems.push(`${list}: shown with ${state.rows} of ${saved} saved rows`)
  }
  // A commit that rendered nothing (-1) is allowed: nothing is not a claim about the rows.
  for (const commit of record.commits.filter((c) => c.list === list && c.rows !== -1)) {
    if (commit.rows < saved)
      problems.push(`${list}: a render committed ${commit.rows} of ${saved} saved rows`)
  }
  return problems
}

/** Opens the app in a new tab of `context` and waits until both lists are on screen. */
export async function openApp(context: BrowserContext, url: string, name: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.log(`[${name}] pageerror: ${error.message}`))
  // The app logs every failed poll while the server is down: shown only on request.
  if (process.env.PERSISTDB_BROWSER_LOG === '1')
    page.on('console', (message) => console.log(`[${name}] ${message.type()}: ${message.text()}`))
  await page.goto(url)
  await bothListsShown(page)
  return page
}

export async function bothListsShown(page: Page): Promise<void> {
  await page.waitForSelector('[data-list="todos"]', { timeout: 30_000 })
  await page.waitForSelector('[data-list="shared"]', { timeout: 30_000 })
}

/** Waits until `count` of this page's writes are on disk (the app's "Saved" counter). */
export async function savedCount(page: Page, count: number): Promise<void> {
  await page.waitForSelector(`#save-status[data-saved="${count}"]`)
}

export async function addTodo(page: Page, text: string): Promise<void> {
  await page.fill('[data-form="todo"] input', text)
  await page.click('[data-form="todo"] button')
}

/** When each list first committed rows (ms since navigation start), for the log. */
export function firstRowsAt(record: PageRecord): string {
  return (['todos', 'shared', 'summary'] as const)
    .map((list) => {
      const first = record.commits.find((c) => c.list === list && c.rows > 0)
      return `${list} ${first ? `${Math.round(first.at)} ms` : 'never'}`
    })
    .join(', ')
}
