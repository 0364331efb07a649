/**
 * Bundles the three engines' bench pages with esbuild and serves them from a local http server
 * (OPFS and Web Locks need a secure context; http://localhost is one). Nothing is fetched from the network:
 * every file comes from this checkout's node_modules.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type BuildOptions, type Plugin } from 'esbuild'
import type { Engine } from './pages/api'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

function packageDir(specifier: string, from: string): string {
  return dirname(createRequire(from).resolve(`${specifier}/package.json`))
}

/** The official package, its core, and the @tanstack/db its core pins (nested away from the root's 0.15). */
export function officialDirs(): { officialDir: string; dbDir: string } {
  const officialDir = packageDir('@tanstack/browser-db-sqlite-persistence', import.meta.url)
  const coreDir = packageDir('@tanstack/db-sqlite-persistence-core', join(officialDir, 'package.json'))
  return { officialDir, dbDir: packageDir('@tanstack/db', join(coreDir, 'package.json')) }
}

export function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
}

/** Sends `@tanstack/db` (and its subpaths) to the copy the official package pins: one copy in its page. */
function officialTanstackDb(dbDir: string): Plugin {
  return {
    name: 'official-tanstack-db',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^@tanstack\/db(\/|$)/ }, (args) =>
        args.pluginData === 'official'
          ? undefined
          : esbuild.resolve(args.path, { kind: args.kind, resolveDir: dbDir, pluginData: 'official' }),
      )
    },
  }
}

/** Where @persistdb/browser resolves its wa-sqlite (2.0.6), which the raw floor must use too. */
function persistdbBrowserDir(): string {
  return packageDir('@persistdb/browser', import.meta.url)
}

/**
 * Sends `@journeyapps/wa-sqlite` (and its subpaths) to the copy @persistdb/browser uses: npm also installs
 * the official package's wa-sqlite 1.x peer under bench/node_modules, which its prebuilt worker never loads.
 */
function persistdbWaSqlite(): Plugin {
  const resolveDir = persistdbBrowserDir()
  return {
    name: 'persistdb-wa-sqlite',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^@journeyapps\/wa-sqlite(\/|$)/ }, (args) =>
        args.pluginData === 'persistdb'
          ? undefined
          : esbuild.resolve(args.path, { kind: args.kind, resolveDir, pluginData: 'persistdb' }),
      )
    },
  }
}

const COMMON: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  sourcemap: false,
  logLevel: 'silent',
}

async function bundle(options: BuildOptions): Promise<string> {
  const result = await build({ ...COMMON, ...options })
  return result.outputFiles![0]!.text
}

export interface PagesOptions {
  /** 'dist' (the bench: PersistDB's built package) or 'source' (the smoke test: no build step needed). */
  persistdbFrom: 'dist' | 'source'
}

type Files = Record<string, { type: string; body: string | Buffer }>

async function pageFiles(options: PagesOptions): Promise<Files> {
  const conditions = options.persistdbFrom === 'source' ? ['source'] : []
  const { officialDir, dbDir } = officialDirs()
  const [persistdb, persistdbWorker, official, raw, rawWorker] = await Promise.all([
    bundle({ entryPoints: [here('./pages/persistdb-page.ts')], conditions }),
    bundle({
      stdin: { contents: `import '@persistdb/browser/worker'`, resolveDir: here('.'), loader: 'ts' },
      conditions,
    }),
    bundle({ entryPoints: [here('./pages/official-page.ts')], plugins: [officialTanstackDb(dbDir)] }),
    bundle({ entryPoints: [here('./pages/raw-page.ts')] }),
    bundle({ entryPoints: [here('./pages/raw-worker.ts')], plugins: [persistdbWaSqlite()] }),
  ])
  const js = (body: string) => ({ type: 'text/javascript', body })
  const html = (script: string) => ({
    type: 'text/html',
    body: `<!doctype html><meta charset="utf-8"><script type="module" src="${script}"></script>`,
  })
  const files: Files = {
    '/persistdb.html': html('/persistdb-page.js'),
    '/persistdb-page.js': js(persistdb),
    '/persistdb-worker.js': js(persistdbWorker),
    '/official.html': html('/official-page.js'),
    '/official-page.js': js(official),
    '/raw.html': html('/raw-page.js'),
    '/raw-page.js': js(raw),
    '/raw-worker.js': js(rawWorker),
    '/wa-sqlite.wasm': {
      type: 'application/wasm',
      body: readFileSync(
        createRequire(join(persistdbBrowserDir(), 'package.json')).resolve(
          '@journeyapps/wa-sqlite/dist/wa-sqlite.wasm',
        ),
      ),
    },
  }
  // The official package starts its prebuilt worker (wa-sqlite 1.x and its wasm inside) from
  // `new URL('../assets/…', import.meta.url)`: relative to /official-page.js, that is /assets/….
  const assets = join(officialDir, 'dist/assets')
  for (const name of readdirSync(assets).filter((n) => n.endsWith('.js')))
    files[`/assets/${name}`] = js(readFileSync(join(assets, name), 'utf8'))
  return files
}

export interface PagesServer {
  pageUrl(engine: Engine): string
  close(): Promise<void>
}

export async function servePages(options: PagesOptions): Promise<PagesServer> {
  const files = await pageFiles(options)
  const server: Server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://localhost').pathname]
    if (!file) {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end()
      return
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://localhost:${(server.address() as AddressInfo).port}`
  return {
    pageUrl: (engine) => `${base}/${engine}.html`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
