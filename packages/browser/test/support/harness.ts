/**
 * Real headless Chromium for the browser suites: bundles the test page and
 * the worker with esbuild, serves them from a local http server (OPFS and Web
 * Locks need a secure context; http://localhost is one) and opens tabs.
 * Every test gets its own browser context: its own OPFS, locks and channels.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { tanstackDir } from '../../../../scripts/tanstack-releases'
import type { PageApi } from './page'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const CHROMIUM = process.env.PERSISTDB_CHROMIUM ?? '/usr/bin/chromium'

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [here(entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    conditions: ['source'],
    sourcemap: false,
    logLevel: 'silent',
    plugins: tanstackUnderTest(),
  })
  return result.outputFiles[0]!.text
}

/** The version matrix's @tanstack/* packages, resolved from that release's own install. */
function tanstackUnderTest(): Plugin[] {
  const dir = tanstackDir()
  if (!dir) return []
  const filter = /^@tanstack\/(db|query-db-collection|query-core)(\/|$)/
  return [
    {
      name: 'tanstack-under-test',
      setup(esbuild) {
        esbuild.onResolve({ filter }, (args) =>
          args.pluginData === 'tanstack-under-test'
            ? undefined
            : esbuild.resolve(args.path, {
                kind: args.kind,
                resolveDir: dir,
                pluginData: 'tanstack-under-test',
              }),
        )
      },
    },
  ]
}

/** Headless system Chromium (Debian's package; playwright-core downloads nothing). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

export interface Harness {
  url: string
  browser: Browser
  newContext(): Promise<BrowserContext>
  /** A tab on the test page with the log forwarded (prefixed by `name`). */
  openTab(context: BrowserContext, name: string): Promise<Tab>
  close(): Promise<void>
}

export interface Tab {
  name: string
  page: Page
  /** Calls `window.pdb[method](...args)` in the tab. */
  call<M extends keyof PageApi>(
    method: M,
    ...args: Parameters<PageApi[M]>
  ): Promise<Awaited<ReturnType<PageApi[M]>>>
}

export async function startHarness(): Promise<Harness> {
  const [page, worker, workerNoOpfs, workerIdbQuota] = await Promise.all([
    bundle('./page.ts'),
    bundle('../../src/worker.ts'),
    bundle('./worker-no-opfs.ts'),
    bundle('./worker-idb-quota.ts'),
  ])
  const files: Record<string, { type: string; body: string | Buffer }> = {
    '/': {
      type: 'text/html',
      body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
    },
    '/page.js': { type: 'text/javascript', body: page },
    '/worker.js': { type: 'text/javascript', body: worker },
    '/worker-no-opfs.js': { type: 'text/javascript', body: workerNoOpfs },
    '/worker-idb-quota.js': { type: 'text/javascript', body: workerIdbQuota },
    '/wa-sqlite.wasm': {
      type: 'application/wasm',
      body: readFileSync(fileURLToPath(import.meta.resolve('@journeyapps/wa-sqlite/dist/wa-sqlite.wasm'))),
    },
    '/wa-sqlite-async.wasm': {
      type: 'application/wasm',
      body: readFileSync(
        fileURLToPath(import.meta.resolve('@journeyapps/wa-sqlite/dist/wa-sqlite-async.wasm')),
      ),
    },
  }
  const server: Server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://localhost').pathname]
    if (!file) {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end()
      return
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://localhost:${(server.address() as AddressInfo).port}/`
  const browser = await launchChromium()
  const verbose = process.env.PERSISTDB_BROWSER_LOG === '1'
  return {
    url,
    browser,
    newContext: () => browser.newContext(),
    async openTab(context, name) {
      const tab = await context.newPage()
      tab.on('console', (message) => {
        const type = message.type()
        if (verbose || type === 'error' || type === 'warning')
          console.log(`[${name}] ${type}: ${message.text()}`)
      })
      tab.on('pageerror', (error) => console.log(`[${name}] pageerror: ${error.message}`))
      await tab.goto(url)
      await tab.waitForFunction(() => (window as { pdb?: unknown }).pdb !== undefined)
      return wrapTab(name, tab)
    },
    async close() {
      await browser.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

export function wrapTab(name: string, page: Page): Tab {
  return {
    name,
    page,
    call: (method, ...args) =>
      page.evaluate(
        ([m, a]) =>
          (window as unknown as { pdb: Record<string, (...x: unknown[]) => unknown> }).pdb[m]!(...a),
        [method, args] as [string, unknown[]],
      ) as never,
  }
}

/** Reloads a tab and waits for the test page to be back. */
export async function reload(tab: Tab): Promise<void> {
  await tab.page.reload()
  await tab.page.waitForFunction(() => (window as { pdb?: unknown }).pdb !== undefined)
}

/** Polls `check` until it returns true (bounded by the test timeout); polling the test's view, not the code under test. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
