import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { Miniflare } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'

const exampleDir = fileURLToPath(new URL('..', import.meta.url))
const configPath = join(exampleDir, 'wrangler.jsonc')
const wranglerBin = fileURLToPath(new URL('../../../node_modules/wrangler/bin/wrangler.js', import.meta.url))

/** No telemetry, no update check: the demo and the tests run without network. */
const offlineEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  // Workspace packages from their TypeScript sources (the `source` export condition): no build step needed.
  WRANGLER_BUILD_CONDITIONS: 'source,workerd,worker,browser',
}

/**
 * Bundles the Worker exactly as `wrangler deploy` would (`--dry-run`: nothing is uploaded) and returns the
 * path of the bundled entry module.
 */
export async function bundleWorker(outDir: string): Promise<string> {
  await promisify(execFile)(
    process.execPath,
    [wranglerBin, 'deploy', '--dry-run', '--outdir', outDir, '--config', configPath],
    {
      cwd: exampleDir,
      env: offlineEnv,
    },
  )
  const entry = (await readdir(outDir)).find((name) => name.endsWith('.js'))
  if (!entry) throw new Error(`wrangler wrote no .js bundle to ${outDir}`)
  return join(outDir, entry)
}

export interface LocalRooms {
  /** Base URL of the Worker on local workerd, e.g. http://127.0.0.1:43210/ */
  readonly url: URL
  /** Sends a request to the Worker (Miniflare's dispatchFetch: real HTTP into workerd over a connection pool). */
  fetch(
    url: URL,
    init?: { method?: string; body?: string },
  ): Promise<{ status: number; text(): Promise<string> }>
  /** Stops workerd. Durable Object storage stays in the persist directory. */
  dispose(): Promise<void>
}

export interface StartOptions {
  /** The bundle from bundleWorker(). */
  script: string
  /** Where Durable Object SQLite files live; a new instance on the same directory sees the same data. */
  persistDir: string
  /** Enables POST /rooms/:id/seed (bulk insert); never set in wrangler.jsonc. */
  allowSeed?: boolean
}

/** Runs the bundled Worker in real workerd (Miniflare), with the bindings and migrations of wrangler.jsonc. */
export async function startRooms({
  script,
  persistDir,
  allowSeed = false,
}: StartOptions): Promise<LocalRooms> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath)
  const miniflare = new Miniflare({
    ...workerOptions,
    name: 'rooms',
    modules: true,
    scriptPath: script,
    // Module names are paths relative to this root; the bundle lives outside the example directory.
    modulesRoot: dirname(script),
    bindings: { ...(allowSeed ? { ALLOW_SEED: '1' } : {}) },
    durableObjectsPersist: persistDir,
    host: '127.0.0.1',
    port: 0,
    // No request to workers.cloudflare.com for the `request.cf` object: a fixed placeholder, offline.
    cf: false,
  } as ConstructorParameters<typeof Miniflare>[0])
  const url = await miniflare.ready
  return {
    url,
    fetch: (target, init) => miniflare.dispatchFetch(target, init),
    dispose: () => miniflare.dispose(),
  }
}
