/** The measured cases (workload × size × batch) and the ratios the issue holds PersistDB to. */
import type { Task, TargetName } from './jobs'
import type { SeedKind } from './targets/types'

export type Workload = 'W1' | 'W2' | 'W3' | 'W4'

export interface Case {
  id: string
  workload: Workload
  label: string
  task: Task
  n: number
  perTx?: number
  /** The cached seed each run starts from (a copy of it); none: an empty file. */
  seed?: SeedKind
  /** Large cases, left out of --quick runs. */
  large?: boolean
  /** Figures shown, with their row labels. */
  metrics: Array<{ key: string; label: string }>
}

const ready = [
  { key: 'readyMs', label: 'open → ready, ms' },
  { key: 'firstRowsMs', label: 'open → first rows visible, ms' },
  { key: 'processMs', label: 'process start → ready, ms' },
]
const ud = [
  { key: 'updateMs', label: 'updates, ms' },
  { key: 'deleteMs', label: 'deletes, ms' },
]
const top = [
  { key: 'ms', label: 'open → first result, ms' },
  { key: 'processMs', label: 'process start → first result, ms' },
  { key: 'secondMs', label: 'second query of the shape (score > 501), ms' },
]

export const CASES: Case[] = [
  {
    id: 'w1-10k',
    workload: 'W1',
    label: 'W1 hydrate 10k',
    task: 'hydrate',
    n: 10_000,
    seed: 'rows',
    metrics: ready,
  },
  {
    id: 'w1-100k',
    workload: 'W1',
    label: 'W1 hydrate 100k',
    task: 'hydrate',
    n: 100_000,
    seed: 'rows',
    large: true,
    metrics: ready,
  },
  {
    id: 'w2-10k-1',
    workload: 'W2',
    label: 'W2 insert 10k, 1/tx',
    task: 'insert',
    n: 10_000,
    perTx: 1,
    metrics: [],
  },
  {
    id: 'w2-10k-100',
    workload: 'W2',
    label: 'W2 insert 10k, 100/tx',
    task: 'insert',
    n: 10_000,
    perTx: 100,
    metrics: [],
  },
  {
    id: 'w2-100k-100',
    workload: 'W2',
    label: 'W2 insert 100k, 100/tx',
    task: 'insert',
    n: 100_000,
    perTx: 100,
    large: true,
    metrics: [],
  },
  {
    id: 'w3-10k-1',
    workload: 'W3',
    label: 'W3 10k, 1/tx',
    task: 'updateDelete',
    n: 10_000,
    perTx: 1,
    seed: 'rows',
    metrics: ud,
  },
  {
    id: 'w3-10k-100',
    workload: 'W3',
    label: 'W3 10k, 100/tx',
    task: 'updateDelete',
    n: 10_000,
    perTx: 100,
    seed: 'rows',
    metrics: ud,
  },
  {
    id: 'w4-100k',
    workload: 'W4',
    label: 'W4 top-50 query 100k',
    task: 'topQuery',
    n: 100_000,
    seed: 'indexed',
    metrics: top,
  },
  {
    id: 'w4-100k-noindex',
    workload: 'W4',
    label: 'W4 top-50 query 100k, no index',
    task: 'topQuery',
    n: 100_000,
    seed: 'rows',
    large: true,
    metrics: top,
  },
  {
    id: 'w4-1m',
    workload: 'W4',
    label: 'W4 top-50 query 1M',
    task: 'topQuery',
    n: 1_000_000,
    seed: 'indexed',
    large: true,
    metrics: top,
  },
]
for (const c of CASES) if (c.task === 'insert') c.metrics = [{ key: 'ms', label: 'ms' }]

/** A per-run ratio: numerator target ÷ the sum of the denominator targets, paired run by run. */
export interface RatioSpec {
  caseId: string
  metric: string
  num: TargetName
  den: TargetName[]
  /** The target for this ratio, if it sets one. */
  goal?: { max?: number; min?: number }
}

const floor: TargetName[] = ['tanstack', 'raw']

function writeRatios(caseId: string, metric: string): RatioSpec[] {
  return [
    { caseId, metric, num: 'persistdb', den: floor, goal: { max: 1.25 } },
    { caseId, metric, num: 'official', den: ['persistdb'] },
  ]
}

export const RATIOS: RatioSpec[] = [
  ...['w1-10k', 'w1-100k'].flatMap((caseId): RatioSpec[] => [
    { caseId, metric: 'readyMs', num: 'persistdb', den: ['tanstack'], goal: { max: 1.2 } },
    { caseId, metric: 'readyMs', num: 'official', den: ['persistdb'] },
  ]),
  ...['w2-10k-1', 'w2-10k-100', 'w2-100k-100'].flatMap((id) => writeRatios(id, 'ms')),
  ...['w3-10k-1', 'w3-10k-100'].flatMap((id) => [
    ...writeRatios(id, 'updateMs'),
    ...writeRatios(id, 'deleteMs'),
  ]),
  { caseId: 'w4-100k', metric: 'ms', num: 'official', den: ['persistdb'], goal: { min: 10 } },
  { caseId: 'w4-100k', metric: 'ms', num: 'persistdb', den: floor, goal: { max: 1.5 } },
  { caseId: 'w4-100k-noindex', metric: 'ms', num: 'official', den: ['persistdb'], goal: { min: 1.5 } },
  { caseId: 'w4-100k-noindex', metric: 'ms', num: 'persistdb', den: floor, goal: { max: 1.5 } },
  { caseId: 'w4-1m', metric: 'ms', num: 'official', den: ['persistdb'], goal: { min: 100 } },
  // Issue 12: the second and later queries of a shape (context: no goal set yet).
  ...['w4-100k', 'w4-100k-noindex', 'w4-1m'].map((caseId): RatioSpec => ({
    caseId,
    metric: 'secondMs',
    num: 'official',
    den: ['persistdb'],
  })),
  { caseId: 'w4-1m', metric: 'ms', num: 'persistdb', den: floor, goal: { max: 1.5 } },
  // Issue 12: the ceiling of official ÷ PersistDB for any store under TanStack DB's live query (the same
  // query answered from memory); a goal above it cannot be met by the storage side.
  ...['w4-100k', 'w4-1m'].map((caseId): RatioSpec => ({
    caseId,
    metric: 'ms',
    num: 'official',
    den: ['tanstack'],
  })),
  // W5: peak RSS of the W1 and W2 runs against TanStack DB alone.
  ...['w1-10k', 'w1-100k', 'w2-10k-100', 'w2-100k-100'].map((caseId): RatioSpec => ({
    caseId,
    metric: 'peakRssMb',
    num: 'persistdb',
    den: ['tanstack'],
    goal: { max: 1.2 },
  })),
]
