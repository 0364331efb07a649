/**
 * The browser bench's harness, smoke-tested (outcomes, never times): each engine's page — PersistDB, the
 * official package, raw wa-sqlite — stores rows on OPFS in real Chromium and reads back exactly those rows,
 * and answers the on-demand query correctly with and without an index (each page checks the answer rows
 * against the expected scores and throws otherwise).
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../packages/browser/test/support/harness'
import { openBenchTab } from '../src/browser/bench-tab'
import { ENGINES } from '../src/browser/figures'
import { servePages, type PagesServer } from '../src/browser/pages-server'
import { makeRows, topAnswer } from '../src/rows'

let server: PagesServer
let browser: Browser
beforeAll(async () => {
  server = await servePages({ persistdbFrom: 'source' })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe.each(ENGINES)('browser bench page: %s', (engine) => {
  it('stores rows in OPFS and reads back the same rows; the on-demand query answers right', async () => {
    const context = await browser.newContext()
    const open = () => openBenchTab(context, server.pageUrl(engine))
    const rows = 120
    try {
      // Written 25 per transaction (a partial last one), read back by the page itself and again by a new page.
      let tab = await open()
      const written = await tab.call('insert', 'smoke', rows, 25)
      await tab.close()
      expect(written.latencies).toHaveLength(Math.ceil(rows / 25))
      tab = await open()
      expect(await tab.call('readIds', 'smoke')).toEqual(makeRows(rows).map((row) => row.id))
      const expected = topAnswer(makeRows(rows)).map((row) => row.id)
      expect(expected.length).toBeGreaterThan(0)
      for (const indexed of [false, true]) {
        const answer = await tab.call('topQuery', 'smoke', expected, indexed)
        expect(answer.loaded).toBeGreaterThanOrEqual(expected.length)
      }
      const files = await tab.call('opfsFiles')
      await tab.close()
      expect(files.find((file) => file.path === 'smoke')?.bytes).toBeGreaterThan(0)
    } finally {
      await context.close()
    }
  })
})
