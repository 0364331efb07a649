/**
 * expo-sqlite's real web build in headless Chromium: esbuild bundles the test
 * page (with expo-sqlite's main-thread module) and expo-sqlite's own worker
 * (wa-sqlite + its WASM), `expo` and `react-native` resolve to the few names
 * the web build takes from them (expo-web-stubs.ts), and a local server
 * serves them with the COOP/COEP headers expo's web setup asks for.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { chromium, type Browser, type Page } from 'playwright-core'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const CHROMIUM = process.env.PERSISTDB_CHROMIUM ?? '/usr/bin/chromium'
const expoSqlite = dirname(fileURLToPath(import.meta.resolve('expo-sqlite/package.json')))

const stubs: Plugin = {
  name: 'expo-web-stubs',
  setup(b) {
    b.onResolve({ filter: /^(expo|expo\/.*|react-native)$/ }, () => ({ path: here('./expo-web-stubs.ts') }))
    // The database API only: expo-sqlite's index also exports React hooks (react, expo-asset).
    b.onResolve({ filter: /^expo-sqlite$/ }, () => ({ path: join(expoSqlite, 'build/SQLiteDatabase.js') }))
  },
}

async function bundle(entry: string, format: 'esm' | 'iife') {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/virtual',
    assetNames: '[name]',
    publicPath: '/',
    loader: { '.wasm': 'file' },
    resolveExtensions: ['.web.ts', '.web.js', '.ts', '.js'],
    conditions: ['source'],
    define: { __DEV__: 'false' },
    plugins: [stubs],
    logLevel: 'silent',
  })
  return result.outputFiles
}

export interface ExpoWebPage {
  page: Page
  close(): Promise<void>
}

export async function openExpoWebPage(): Promise<ExpoWebPage> {
  const [page, worker] = await Promise.all([
    bundle(here('./expo-web-page.ts'), 'esm'),
    bundle(join(expoSqlite, 'web/worker.ts'), 'iife'),
  ])
  const files = new Map<string, { type: string; body: string | Uint8Array }>()
  files.set('/', {
    type: 'text/html',
    body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>',
  })
  for (const f of page)
    if (f.path.endsWith('.js')) files.set('/page.js', { type: 'text/javascript', body: f.text })
  for (const f of worker) {
    if (f.path.endsWith('.wasm'))
      files.set(`/${f.path.split('/').pop()}`, { type: 'application/wasm', body: f.contents })
    // expo's web module starts its worker at `new URL('./worker', location.href)`.
    else if (f.path.endsWith('.js')) files.set('/worker', { type: 'text/javascript', body: f.text })
  }
  const server: Server = createServer((req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://localhost').pathname)
    if (!file) return void res.writeHead(404).end()
    res
      .writeHead(200, {
        'content-type': file.type,
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      })
      .end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
  const tab = await browser.newPage()
  tab.on('pageerror', (error) => console.log(`[expo web] pageerror: ${error.message}`))
  await tab.goto(`http://localhost:${(server.address() as AddressInfo).port}/`)
  await tab.waitForFunction(() => (window as { expoWeb?: unknown }).expoWeb !== undefined)
  return {
    page: tab,
    async close() {
      await browser.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
