/**
 * One measurement in a fresh process: `node --import tsx child.ts '<job json>'`.
 * Prints one result line (RESULT_PREFIX + JSON) and exits.
 */
import { RESULT_PREFIX, type ChildResult, type Job, type TargetName } from './jobs'
import { NotApplicable, type Metrics, type Target } from './targets/types'

/** Only the measured target's modules load, so process start → ready counts its own module graph. */
async function load(name: TargetName): Promise<Target> {
  switch (name) {
    case 'persistdb':
      return (await import('./targets/persistdb')).persistdb
    case 'official': {
      const module = await import('./targets/official')
      await module.preloadOfficial()
      return module.official
    }
    case 'tanstack':
      return (await import('./targets/tanstack')).tanstack
    case 'raw':
      return (await import('./targets/raw')).raw
  }
}

async function run(job: Job): Promise<ChildResult> {
  const target = await load(job.target)
  try {
    const metrics: Metrics = await (() => {
      switch (job.task) {
        case 'seed':
          return target.seed(job.file, job.kind ?? 'rows', job.n).then(() => ({}))
        case 'hydrate':
          return target.hydrate(job.file, job.n)
        case 'insert':
          return target.insert(job.file, job.n, job.perTx ?? 1)
        case 'updateDelete':
          return target.updateDelete(job.file, job.n, job.perTx ?? 1)
        case 'topQuery':
          return target.topQuery(job.file, job.n, job.expectedIds ?? [], job.indexed ?? true)
      }
    })()
    // A workload that verifies its file afterwards reports the peak of the work itself (workPeakRssMb).
    const peakRssMb = metrics.workPeakRssMb ?? process.resourceUsage().maxRSS / 1024
    return { ok: true, metrics, peakRssMb }
  } catch (error) {
    const message =
      error instanceof NotApplicable
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    return { ok: false, notApplicable: error instanceof NotApplicable, error: message }
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job
const result = await run(job)
process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0))
