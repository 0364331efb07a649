/** Renders a run as markdown: medians (min–max), W5, per-run ratios against the issue's targets. */
import type { Case, RatioSpec } from './cases'
import { TARGET_LABELS, type ChildResult, type TargetName } from './jobs'
import type { RunOutput } from './runner'
import { summarize, type Summary } from './stats'

export interface Environment {
  lines: string[]
}

function fmt(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

function cell(summary: Summary | undefined): string {
  if (!summary) return '—'
  if (summary.count === 1) return fmt(summary.median)
  return `${fmt(summary.median)} (${fmt(summary.min)}–${fmt(summary.max)})`
}

function values(results: ChildResult[] | undefined, metric: string): number[] {
  return (results ?? []).map((r) =>
    r.ok ? (metric === 'peakRssMb' ? r.peakRssMb : (r.metrics[metric] ?? NaN)) : NaN,
  )
}

function failure(results: ChildResult[] | undefined): string | undefined {
  const bad = (results ?? []).find((r) => !r.ok)
  if (!bad || bad.ok) return undefined
  // A NotApplicable message starts with its short reason, e.g. "on-demand pending: <details>".
  if (bad.notApplicable) return `n/a (${bad.error.split(':')[0]})`
  return 'failed'
}

function metricCell(run: RunOutput, caseId: string, target: TargetName, metric: string): string {
  const results = run.results[caseId]?.[target]
  const summary = summarize(values(results, metric))
  if (!summary) return failure(results) ?? '—'
  return cell(summary)
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`
}

export function resultsTable(run: RunOutput, cases: Case[], targets: TargetName[]): string[] {
  const lines = [
    row(['Measurement', ...targets.map((t) => TARGET_LABELS[t])]),
    row(['---', ...targets.map(() => '---:')]),
  ]
  for (const c of cases) {
    if (!run.results[c.id]) continue
    for (const m of c.metrics) {
      lines.push(row([`${c.label}: ${m.label}`, ...targets.map((t) => metricCell(run, c.id, t, m.key))]))
    }
    if (c.task === 'topQuery') {
      lines.push(
        row([
          `${c.label}: rows loaded into the collection`,
          ...targets.map((t) => metricCell(run, c.id, t, 'loaded')),
        ]),
      )
    }
  }
  return lines
}

export function w5Table(run: RunOutput, cases: Case[], targets: TargetName[]): string[] {
  const lines = [
    row(['W5', ...targets.map((t) => TARGET_LABELS[t])]),
    row(['---', ...targets.map(() => '---:')]),
  ]
  for (const [seed, sizes] of Object.entries(run.fileSizes)) {
    const [kind, n] = seed.split('-')
    const label = `file size after seeding ${Number(n).toLocaleString('en-US')} rows${kind === 'indexed' ? ' (W4 seed, with score index)' : ''}, MB`
    lines.push(row([label, ...targets.map((t) => (sizes[t] === undefined ? '—' : fmt(sizes[t] / 1e6)))]))
  }
  for (const c of cases) {
    if (!run.results[c.id] || (c.workload !== 'W1' && c.workload !== 'W2')) continue
    lines.push(
      row([`peak RSS during ${c.label}, MB`, ...targets.map((t) => metricCell(run, c.id, t, 'peakRssMb'))]),
    )
  }
  return lines
}

/** Ratio of paired runs (same round): num_r ÷ Σ den_r, summarized over rounds. */
function pairedRatio(run: RunOutput, spec: RatioSpec): Summary | undefined {
  const num = values(run.results[spec.caseId]?.[spec.num], spec.metric)
  const dens = spec.den.map((t) => values(run.results[spec.caseId]?.[t], spec.metric))
  const ratios = num.map((v, i) => v / dens.reduce((sum, d) => sum + (d[i] ?? NaN), 0))
  return summarize(ratios)
}

function goalText(goal: RatioSpec['goal']): string {
  if (!goal) return '(context)'
  return goal.max !== undefined ? `≤ ${goal.max}×` : `≥ ${goal.min}×`
}

export interface RatioOutcome {
  spec: RatioSpec
  summary: Summary | undefined
  met: boolean | undefined
}

export function ratioOutcomes(run: RunOutput, specs: RatioSpec[]): RatioOutcome[] {
  return specs
    .filter((spec) => run.results[spec.caseId])
    .map((spec) => {
      const summary = pairedRatio(run, spec)
      const { goal } = spec
      const met =
        !summary || !goal
          ? undefined
          : goal.max !== undefined
            ? summary.median <= goal.max
            : summary.median >= (goal.min ?? 0)
      return { spec, summary, met }
    })
}

export function ratioTable(outcomes: RatioOutcome[], cases: Case[]): string[] {
  const lines = [
    row(['Ratio (per run, paired)', 'median (min–max)', 'target', 'met']),
    row(['---', '---:', '---:', ':---:']),
  ]
  for (const { spec, summary, met } of outcomes) {
    const c = cases.find((x) => x.id === spec.caseId)
    const metric =
      spec.metric === 'peakRssMb'
        ? 'peak RSS'
        : (c?.metrics.find((m) => m.key === spec.metric)?.label ?? spec.metric)
    const den = spec.den.map((t) => TARGET_LABELS[t]).join(' + ')
    const label = `${c?.label ?? spec.caseId} (${metric.replace(/, (ms|MB)$/, '')}): ${TARGET_LABELS[spec.num]} ÷ ${spec.den.length > 1 ? `(${den})` : den}`
    const value = summary ? `${fmt(summary.median)}× (${fmt(summary.min)}–${fmt(summary.max)})` : 'n/a'
    lines.push(row([label, value, goalText(spec.goal), met === undefined ? '' : met ? 'yes' : '**no**']))
  }
  return lines
}

/** W5 file size: PersistDB ÷ raw for the W1 seeds (one figure each: seeds are written once). */
export function fileSizeRatios(run: RunOutput): Array<{ label: string; ratio: number; met: boolean }> {
  const out: Array<{ label: string; ratio: number; met: boolean }> = []
  for (const [seed, sizes] of Object.entries(run.fileSizes)) {
    if (sizes.persistdb === undefined || sizes.raw === undefined || !seed.startsWith('rows')) continue
    const ratio = sizes.persistdb / sizes.raw
    const label = `W5 file size, ${Number(seed.replace('rows-', '')).toLocaleString('en-US')} rows: PersistDB ÷ raw`
    out.push({ label, ratio, met: ratio <= 1.2 })
  }
  return out
}

export function fileSizeRows(ratios: ReturnType<typeof fileSizeRatios>): string[] {
  return ratios.map(({ label, ratio, met }) =>
    row([label, `${fmt(ratio)}×`, '≤ 1.2×', met ? 'yes' : '**no**']),
  )
}
