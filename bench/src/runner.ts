/**
 * Runs every case on every target, round by round: each round runs each
 * (case, target) once, in a rotated target order, so slow drifts in machine
 * load spread over all targets instead of landing on one.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Case } from './cases'
import { runChild } from './child-process'
import type { ChildResult, Job, TargetName } from './jobs'
import { copySqlite, ensureSeed, expectedTopIds, fileSize } from './seeds'

export interface RunOptions {
  cases: Case[]
  targets: TargetName[]
  runs: number
  reseed: boolean
  log: (line: string) => void
}

/** results[caseId][target][round] */
export type Results = Record<string, Partial<Record<TargetName, ChildResult[]>>>

export interface RunOutput {
  results: Results
  /** Seed file sizes by `${kind}-${n}` and target (W5). */
  fileSizes: Record<string, Partial<Record<TargetName, number>>>
  load: { start: number[]; end: number[]; samples: number[] }
  startedAt: Date
  durationMs: number
}

function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

export async function runAll(options: RunOptions): Promise<RunOutput> {
  const { cases, targets, runs, log } = options
  const startedAt = new Date()
  const seeds = new Map<string, string | undefined>()
  const fileSizes: RunOutput['fileSizes'] = {}
  for (const c of cases) {
    if (!c.seed) continue
    for (const target of targets) {
      const path = await ensureSeed(target, c.seed, c.n, options.reseed, log)
      seeds.set(`${target}:${c.id}`, path)
      if (path) (fileSizes[`${c.seed}-${c.n}`] ??= {})[target] = fileSize(path)
    }
  }
  const expected = new Map(cases.filter((c) => c.task === 'topQuery').map((c) => [c.id, expectedTopIds(c.n)]))

  const load = { start: loadavg(), end: [] as number[], samples: [] as number[] }
  const sampler = setInterval(() => load.samples.push(loadavg()[0]!), 5000)
  const results: Results = {}
  const scratch = mkdtempSync(join(tmpdir(), 'persistdb-bench-'))
  const began = Date.now()
  try {
    for (let round = 0; round < runs; round++) {
      log(`round ${round + 1}/${runs}`)
      for (const c of cases) {
        for (const target of rotate(targets, round + cases.indexOf(c))) {
          const dir = join(scratch, `${round}-${c.id}-${target}`)
          mkdirSync(dir)
          const file = join(dir, 'db.sqlite')
          const seed = seeds.get(`${target}:${c.id}`)
          if (seed) copySqlite(seed, file)
          const job: Job = {
            target,
            task: c.task,
            file,
            n: c.n,
            ...(c.perTx ? { perTx: c.perTx } : {}),
            ...(expected.has(c.id)
              ? { expectedIds: expected.get(c.id)!, indexed: c.seed === 'indexed' }
              : {}),
          }
          const result = await runChild(job, { heapMb: c.n >= 1_000_000 ? 12_288 : undefined })
          ;((results[c.id] ??= {})[target] ??= []).push(result)
          log(`  ${c.label} · ${target}: ${brief(result)}`)
          rmSync(dir, { recursive: true, force: true })
        }
      }
    }
  } finally {
    clearInterval(sampler)
    rmSync(scratch, { recursive: true, force: true })
  }
  load.end = loadavg()
  return { results, fileSizes, load, startedAt, durationMs: Date.now() - began }
}

function brief(result: ChildResult): string {
  if (!result.ok)
    return result.notApplicable ? `n/a (${result.error.split('\n')[0]})` : `FAILED ${result.error}`
  return Object.entries(result.metrics)
    .map(([k, v]) => `${k}=${Math.round(v * 10) / 10}`)
    .join(' ')
}
