/**
 * PersistDB demo: `npm run demo`. Starts a fake product API on 127.0.0.1,
 * then runs the app (app.ts) four times as separate processes against one
 * SQLite file: online, offline, back online with changed data, offline again.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { changeCatalog, makeCatalog, type CatalogChanges } from './catalog'
import { exitAfterFlush, heading, ms, num } from './format'
import { FakeSource } from './source'

const PRODUCTS = 5_000
const PAGE_SIZE = 500
const LATENCY_MS = 150

const startedAt = performance.now()
const dataDir = process.env.PERSISTDB_DEMO_DATA_DIR ?? fileURLToPath(new URL('../.data/', import.meta.url))
const dataFile = join(dataDir, 'shop.sqlite')
const app = fileURLToPath(new URL('./app.ts', import.meta.url))

rmSync(dataDir, { recursive: true, force: true })
mkdirSync(dataDir, { recursive: true })

const catalog = makeCatalog(PRODUCTS)
const source = new FakeSource({ products: catalog, pageSize: PAGE_SIZE, latencyMs: LATENCY_MS })
await source.start()

console.log('PersistDB demo: TanStack DB collections kept in SQLite across restarts (Node, better-sqlite3)')
console.log(`  data file            ${relative(process.cwd(), dataFile) || dataFile}  (deleted at start)`)
console.log(
  `  source               ${source.url}/products: ${num(PRODUCTS)} products, ` +
    `${PRODUCTS / PAGE_SIZE} pages, ${LATENCY_MS} ms per page`,
)

let failed = false
try {
  heading('Run 1 · first run, online', 'new process, empty file: sync everything from the source')
  await run('online')

  await source.stop()
  heading('Run 2 · second run, offline', 'new process, source stopped (connection refused)')
  await run('offline')

  const changes = changeCatalog(catalog)
  await source.start()
  heading(
    'Run 3 · back online',
    `new process; meanwhile the source changed: ${changes.updated.length} updated, ` +
      `${changes.deleted.length} deleted, ${changes.added.length} added`,
  )
  await run('reconnect', changes)

  await source.stop()
  heading('Run 4 · offline again', "new process: are run 3's changes on disk?")
  await run('verify', changes)
} catch (error) {
  failed = true
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  await source.stop()
}

console.log(`\n${failed ? 'FAILED' : 'Done'} in ${ms(performance.now() - startedAt)}.`)
await exitAfterFlush(failed ? 1 : 0)

function run(phase: string, changes?: CatalogChanges): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, app, phase], {
      stdio: 'inherit',
      env: {
        ...process.env,
        DEMO_DATA_FILE: dataFile,
        DEMO_SOURCE_URL: source.url,
        ...(changes ? { DEMO_CHANGES: JSON.stringify(changes) } : {}),
      },
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`run "${phase}" exited with ${signal ?? `code ${code}`}`))
    })
  })
}
