/**
 * `npm run bench -- --browser` (or `npm run bench:browser`): PersistDB vs the official browser package vs
 * wa-sqlite used directly, in real headless Chromium on OPFS; prints the markdown section and, after a full
 * run, writes it into bench/RESULTS.md as `## Browser` (the Node sections stay untouched).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { launchChromium } from '../../../packages/browser/test/support/harness'
import { CACHE } from '../seeds'
import { summarize } from '../stats'
import { ENGINES, FULL_SIZES, QUICK_SIZES } from './figures'
import type { Engine } from './pages/api'
import { officialDirs, packageVersion, servePages } from './pages-server'
import { renderSection, spliceBrowserSection } from './report'
import { runBrowserBench, type BrowserRun } from './run'

const RESULTS = fileURLToPath(new URL('../../RESULTS.md', import.meta.url))
const LAST_RUN = join(CACHE, 'last-browser-run.json')

export const BROWSER_USAGE = `npm run bench -- --browser [options]   (or: npm run bench:browser -- [options])
  --runs N         runs per figure (default 3; env BENCH_RUNS)
  --engines LIST   persistdb,official,raw (default: all three)
  --quick          1 run on small data (100 writes, 1k and 5k rows): checks the harness, not a result
  --write          write the section into bench/RESULTS.md even for a partial run
  --render-last    print (and with --write, write) the section of the last run again, without measuring`

function versionOf(specifier: string, from: string): string {
  return packageVersion(dirname(createRequire(from).resolve(`${specifier}/package.json`)))
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages'], {
      encoding: 'utf8',
    }).trim()
    return dirty ? `${sha} + uncommitted changes in packages/` : sha
  } catch {
    return 'unknown'
  }
}

function environment(run: BrowserRun): string[] {
  const browserPackage = join(
    dirname(createRequire(import.meta.url).resolve('@persistdb/browser/package.json')),
    'package.json',
  )
  const { officialDir, dbDir } = officialDirs()
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ')
  const during = summarize(run.load.samples)
  return [
    `- Run: ${run.startedAt}, ${(run.durationMs / 60_000).toFixed(1)} min. Headless Chromium ${run.chromium} (Debian's package, through playwright-core), OPFS; each engine in its own browser context.`,
    `- Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM. Load average (1 / 5 / 15 min): ${load(run.load.start)} at start, ${load(run.load.end)} at end; 1-min load during the run ${during ? `median ${during.median.toFixed(2)}, max ${during.max.toFixed(2)}` : 'not sampled'}. On a shared machine read the ratios, not the absolute times.`,
    `- PersistDB: @persistdb/browser ${packageVersion(dirname(browserPackage))} at ${run.commit ?? 'an unrecorded commit'} (built dist), on @tanstack/db ${versionOf('@tanstack/db', import.meta.url)}, wa-sqlite ${versionOf('@journeyapps/wa-sqlite', browserPackage)} (OPFSCoopSyncVFS, WAL, exclusive locking, synchronous FULL), its defaults (multi-tab leader election).`,
    `- Official: @tanstack/browser-db-sqlite-persistence ${packageVersion(officialDir)} on the @tanstack/db it pins, ${packageVersion(dbDir)}; its defaults: single tab, its prebuilt OPFS worker (wa-sqlite 1.x, OPFSCoopSyncVFS, rollback journal).`,
    `- Raw wa-sqlite: the same wa-sqlite build and VFS as PersistDB, in a dedicated worker, with PersistDB's connection settings; plain SQL (one prepared INSERT per row in one transaction per batch; JSON text per row; the query as one SELECT with \`json_extract\`, indexed by an expression index on the score). The floor.`,
    `- Rows: the Node bench's rows (\`bench/src/rows.ts\`, ~230 bytes of JSON). Write figures: a new database each; the follower figure: a second tab writes while the first tab leads. Time to ready: open → every row in memory, on seeds written through each engine's own API. The query: \`where(and(eq(row.meta.category, 'c3'), gt(row.score, 500))).orderBy(row.score, 'desc').limit(50)\` on a \`syncMode: 'on-demand'\` collection, answer checked; "index on score" is \`createIndex((row) => row.score)\` (raw: \`CREATE INDEX … (json_extract(value, '$.score'))\`), built once untimed before its runs.`,
  ]
}

function parse(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      engines: { type: 'string' },
      quick: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      'render-last': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(BROWSER_USAGE)
    process.exit(0)
  }
  const names = (values.engines ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const name of names)
    if (!(ENGINES as readonly string[]).includes(name)) throw new Error(`unknown engine ${name}`)
  const engines = names.length ? (names as Engine[]) : [...ENGINES]
  const runs = Number(values.runs ?? env.BENCH_RUNS ?? (values.quick ? 1 : 3))
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer')
  const full = !values.quick && runs >= 3 && engines.length === ENGINES.length
  return {
    engines,
    runs,
    quick: values.quick,
    write: values.write || (full && !values['render-last']),
    renderLast: values['render-last'],
  }
}

export async function browserBenchMain(argv: string[]): Promise<void> {
  const options = parse(argv, process.env)
  const log = (line: string) => process.stderr.write(`${line}\n`)
  let run: BrowserRun
  if (options.renderLast) {
    run = JSON.parse(readFileSync(LAST_RUN, 'utf8')) as BrowserRun
  } else {
    const sizes = options.quick ? QUICK_SIZES : FULL_SIZES
    log(`bench --browser: ${options.engines.join(', ')}, ${options.runs} run(s), ${JSON.stringify(sizes)}`)
    const commit = gitCommit()
    const server = await servePages({ persistdbFrom: 'dist' })
    const browser = await launchChromium()
    try {
      const measured = await runBrowserBench({
        browser,
        server,
        sizes,
        runs: options.runs,
        engines: options.engines,
        log,
      })
      run = { ...measured, commit }
    } finally {
      await browser.close()
      await server.close()
    }
    mkdirSync(CACHE, { recursive: true })
    writeFileSync(LAST_RUN, JSON.stringify(run, null, 1))
  }
  const section = renderSection(run, environment(run), options.engines)
  process.stdout.write(`\n${section}\n`)
  if (options.write) {
    writeFileSync(RESULTS, spliceBrowserSection(readFileSync(RESULTS, 'utf8'), section))
    log(`wrote the browser section of ${RESULTS}`)
  }
}
