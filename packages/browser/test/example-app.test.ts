/**
 * The example app (examples/browser-todo) served by Vite, as `npm run
 * demo:browser` serves it, in real Chromium: a todo added in one tab shows in
 * another, and is still there after a reload. It also checks that the
 * package's worker entry and wa-sqlite's WASM resolve through a real bundler.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type ViteDevServer } from 'vite'
import { startHarness, wrapTab, type Harness } from './support/harness'

let harness: Harness
let vite: ViteDevServer
let url: string
beforeAll(async () => {
  harness = await startHarness()
  vite = await createServer({
    root: fileURLToPath(new URL('../../../examples/browser-todo', import.meta.url)),
    configFile: fileURLToPath(new URL('../../../examples/browser-todo/vite.config.ts', import.meta.url)),
    server: { port: 0, host: '127.0.0.1' },
    logLevel: 'warn',
  })
  await vite.listen()
  const address = vite.httpServer!.address() as { port: number }
  url = `http://localhost:${address.port}/`
})
afterAll(async () => {
  await vite?.close()
  await harness?.close()
})

describe('examples/browser-todo', () => {
  it('a todo added in one tab appears in the other and survives a reload', async () => {
    const context = await harness.newContext()
    const open = async (name: string) => {
      const page = await context.newPage()
      page.on('pageerror', (error) => console.log(`[${name}] pageerror: ${error.message}`))
      await page.goto(url)
      await page.waitForFunction(
        () => document.querySelector('#status')?.textContent?.includes('todo(s)'),
        null,
        {
          timeout: 30_000,
        },
      )
      return wrapTab(name, page)
    }
    const one = await open('one')
    const two = await open('two')
    await one.page.fill('#text', 'buy milk')
    await one.page.click('#add button')
    await two.page.waitForSelector('li:has-text("buy milk")')
    await two.page.click('li:has-text("buy milk") input[type=checkbox]')
    await one.page.waitForSelector('li.done:has-text("buy milk")')
    await one.page.reload()
    await one.page.waitForSelector('li.done:has-text("buy milk")')
    expect(await one.page.locator('li').count()).toBe(1)
    await context.close()
  })
})
