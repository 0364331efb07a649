/** A Chromium tab on one engine's bench page, driven through `window.bench`. */
import type { BrowserContext, Page } from 'playwright-core'
import type { BenchPageApi } from './pages/api'

export interface BenchTab {
  page: Page
  call<M extends keyof BenchPageApi>(
    method: M,
    ...args: Parameters<BenchPageApi[M]>
  ): Promise<Awaited<ReturnType<BenchPageApi[M]>>>
  /** Closes what the page opened, then the page. */
  close(): Promise<void>
}

export async function openBenchTab(context: BrowserContext, url: string, log = false): Promise<BenchTab> {
  const page = await context.newPage()
  page.on('console', (message) => {
    if (log || message.type() === 'error') console.error(`[${url}] ${message.type()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => console.error(`[${url}] pageerror: ${error.message}`))
  await page.goto(url)
  await page.waitForFunction(() => (window as { bench?: unknown }).bench !== undefined)
  const call: BenchTab['call'] = (method, ...args) =>
    page.evaluate(
      ([m, a]) =>
        (window as unknown as { bench: Record<string, (...x: unknown[]) => unknown> }).bench[m]!(...a),
      [method, args] as [string, unknown[]],
    ) as never
  return {
    page,
    call,
    async close() {
      await call('close')
      await page.close()
    },
  }
}
