/**
 * One run of the browser bench: each engine in its own browser context (its own OPFS), every figure from a
 * fresh page, rounds interleaved across engines in a rotated order, so a burst of load hits all alike.
 */
import { loadavg } from 'node:os'
import type { Browser, BrowserContext } from 'playwright-core'
import { makeRows, topAnswer } from '../rows'
import { summarize } from '../stats'
import { openBenchTab, type BenchTab } from './bench-tab'
import { FIGURES, type FigureId, type Results, type Sizes } from './figures'
import type { Engine, OpfsFile } from './pages/api'
import type { PagesServer } from './pages-server'

export interface RunOptions {
  browser: Browser
  server: PagesServer
  sizes: Sizes
  runs: number
  engines: readonly Engine[]
  log: (line: string) => void
}

export interface BrowserRun {
  startedAt: string
  /** The checkout measured (set by main: the commit when the run started). */
  commit?: string
  durationMs: number
  runs: number
  sizes: Sizes
  chromium: string
  load: { start: number[]; end: number[]; samples: number[] }
  results: Results
}

const SEED_SMALL = 'seed-small'
const SEED_LARGE = 'seed-large'

function emptyResults(): Results {
  return Object.fromEntries(FIGURES.map((f) => [f.id, {}])) as Results
}

/** Bytes of one database: the file, its WAL and its rollback journal. */
export function databaseBytes(files: OpfsFile[], name: string): number {
  return files
    .filter((f) => f.path === name || f.path === `${name}-wal` || f.path === `${name}-journal`)
    .reduce((sum, f) => sum + f.bytes, 0)
}

export async function runBrowserBench(options: RunOptions): Promise<BrowserRun> {
  const { browser, server, sizes, runs, engines, log } = options
  const started = Date.now()
  const load = { start: loadavg(), end: [] as number[], samples: [] as number[] }
  const sampler = setInterval(() => load.samples.push(loadavg()[0]!), 5000)
  const results = emptyResults()
  const contexts = new Map<Engine, BrowserContext>()
  for (const engine of engines) contexts.set(engine, await browser.newContext())

  const record = (figure: FigureId, engine: Engine, run: number, value: number) => {
    const entry = (results[figure][engine] ??= { values: [] })
    entry.values[run] = value
  }
  const fail = (figures: FigureId[], engine: Engine, run: number, error: unknown) => {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error)
    log(`  ${engine} failed ${figures.join(', ')}: ${message}`)
    for (const figure of figures) {
      const entry = (results[figure][engine] ??= { values: [] })
      entry.values[run] = Number.NaN
      entry.error ??= message
    }
  }
  /** A fresh page of `engine`, closed after `use`. */
  const onPage = async <T>(engine: Engine, use: (tab: BenchTab) => Promise<T>): Promise<T> => {
    const tab = await openBenchTab(contexts.get(engine)!, server.pageUrl(engine))
    try {
      return await use(tab)
    } finally {
      await tab.close().catch(() => undefined)
    }
  }
  const measure = async (engine: Engine, run: number, figures: FigureId[], work: () => Promise<void>) => {
    try {
      await work()
    } catch (error) {
      fail(figures, engine, run, error)
    }
    log(
      `  ${engine} ${figures
        .map((f) => `${f}=${results[f][engine]?.values[run]?.toFixed(1) ?? '—'}`)
        .join(' ')}`,
    )
  }
  const rotated = (run: number) => engines.map((_, i) => engines[(i + run) % engines.length]!)

  try {
    log(`setup: seeding ${sizes.small} and ${sizes.large} rows per engine`)
    for (const engine of engines) {
      await measure(engine, 0, ['seed-large', 'size-small', 'size-large'], async () => {
        await onPage(engine, (tab) => tab.call('seed', SEED_SMALL, sizes.small))
        const start = performance.now()
        await onPage(engine, (tab) => tab.call('seed', SEED_LARGE, sizes.large))
        record('seed-large', engine, 0, performance.now() - start)
        const files = await onPage(engine, (tab) => tab.call('opfsFiles'))
        record('size-small', engine, 0, databaseBytes(files, SEED_SMALL) / 1e6)
        record('size-large', engine, 0, databaseBytes(files, SEED_LARGE) / 1e6)
      })
    }

    for (let run = 0; run < runs; run++) {
      log(`round ${run + 1}/${runs}: writes and time to ready`)
      for (const engine of rotated(run)) {
        await measure(engine, run, ['insert-1', 'latency-leader'], () =>
          onPage(engine, async (tab) => {
            const { ms, latencies } = await tab.call('insert', `w1-${run}`, sizes.writes, 1)
            record('insert-1', engine, run, ms)
            record('latency-leader', engine, run, summarize(latencies)!.median)
          }),
        )
        await measure(engine, run, ['insert-100'], () =>
          onPage(engine, async (tab) => {
            record('insert-100', engine, run, (await tab.call('insert', `w100-${run}`, sizes.writes, 100)).ms)
          }),
        )
        if (engine === 'persistdb')
          await measure(engine, run, ['follower-insert-1', 'latency-follower'], () =>
            onPage(engine, async (leader) => {
              if (!(await leader.call('hold', `wf-${run}`)).leader)
                throw new Error('the first tab did not lead')
              await onPage(engine, async (follower) => {
                const { ms, latencies } = await follower.call('insert', `wf-${run}`, sizes.writes, 1)
                record('follower-insert-1', engine, run, ms)
                record('latency-follower', engine, run, summarize(latencies)!.median)
              })
            }),
          )
        for (const [figure, name, n] of [
          ['ready-small', SEED_SMALL, sizes.small],
          ['ready-large', SEED_LARGE, sizes.large],
        ] as const)
          await measure(engine, run, [figure], () =>
            onPage(engine, async (tab) =>
              record(figure, engine, run, (await tab.call('hydrate', name, n)).readyMs),
            ),
          )
      }
    }

    // The query without an index first: the indexed figure leaves its index in the file.
    const expected = topAnswer(makeRows(sizes.large)).map((row) => row.id)
    for (const indexed of [false, true]) {
      const figure: FigureId = indexed ? 'top-index' : 'top-noindex'
      if (indexed) {
        log('building each engine’s score index (one untimed query)')
        for (const engine of engines)
          await onPage(engine, (tab) => tab.call('topQuery', SEED_LARGE, expected, true)).catch((error) =>
            log(`  ${engine}: index build failed: ${String(error)}`),
          )
      }
      for (let run = 0; run < runs; run++) {
        log(`round ${run + 1}/${runs}: ${figure}`)
        for (const engine of rotated(run))
          await measure(engine, run, [figure], () =>
            onPage(engine, async (tab) => {
              const { ms, loaded } = await tab.call('topQuery', SEED_LARGE, expected, indexed)
              if (loaded >= sizes.large) throw new Error(`the on-demand collection loaded all ${loaded} rows`)
              record(figure, engine, run, ms)
            }),
          )
      }
    }
  } finally {
    clearInterval(sampler)
    for (const context of contexts.values()) await context.close().catch(() => undefined)
  }
  load.end = loadavg()
  return {
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    runs,
    sizes,
    chromium: browser.version(),
    load,
    results,
  }
}
