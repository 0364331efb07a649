/** Command line and environment options of `npm run bench`. */
import { parseArgs } from 'node:util'
import { CASES, type Case } from './cases'
import { TARGETS, type TargetName } from './jobs'

export interface BenchOptions {
  cases: Case[]
  targets: TargetName[]
  runs: number
  reseed: boolean
  /** Writes bench/RESULTS.md (default: only for a full run). */
  write: boolean
  full: boolean
  /** Re-renders bench/.cache/last-run.json instead of measuring (with the same case/target options). */
  renderLast: boolean
}

export const USAGE = `npm run bench [-- options]
  --runs N        runs per figure (default 5; env BENCH_RUNS)
  --only LIST     cases or workloads, e.g. W2 or w1-10k,w4-100k (env BENCH_ONLY)
  --targets LIST  persistdb,official,tanstack,raw (env BENCH_TARGETS)
  --quick         1 run, small cases only (no 100k hydrate/insert, no 1M query)
  --no-1m         skip the 1M-row query (its seeds take minutes to write)
  --reseed        rewrite the cached seeds in bench/.cache
  --write         write bench/RESULTS.md even for a partial run
  --render-last   print (and with --write, write) the table of the last run again, without measuring`

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      only: { type: 'string' },
      targets: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-1m': { type: 'boolean', default: false },
      reseed: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      'render-last': { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const only = list(values.only ?? env.BENCH_ONLY).map((s) => s.toLowerCase())
  let cases = CASES.filter(
    (c) => only.length === 0 || only.includes(c.id) || only.includes(c.workload.toLowerCase()),
  )
  if (values.quick) cases = cases.filter((c) => !c.large)
  if (values['no-1m']) cases = cases.filter((c) => c.n < 1_000_000)
  if (cases.length === 0)
    throw new Error(`--only ${only.join(',')} matches no case (${CASES.map((c) => c.id).join(', ')})`)
  const targetNames = list(values.targets ?? env.BENCH_TARGETS)
  for (const t of targetNames)
    if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target ${t}`)
  const targets = targetNames.length ? (targetNames as TargetName[]) : [...TARGETS]
  const runs = Number(values.runs ?? env.BENCH_RUNS ?? (values.quick ? 1 : 5))
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`)
  const full = cases.length === CASES.length && targets.length === TARGETS.length && runs >= 5
  const renderLast = values['render-last']
  return {
    cases,
    targets,
    runs,
    reseed: values.reseed,
    write: values.write || (full && !renderLast),
    full,
    renderLast,
  }
}
