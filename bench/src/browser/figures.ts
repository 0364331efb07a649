/** The browser bench's figures: what each measures, in which unit, on which engines. */
import type { Engine } from './pages/api'

export const ENGINES: readonly Engine[] = ['persistdb', 'official', 'raw']

export const ENGINE_LABELS: Record<Engine, string> = {
  persistdb: 'PersistDB',
  official: 'Official 0.2.20',
  raw: 'raw wa-sqlite',
}

export interface Sizes {
  /** Rows written per write figure. */
  writes: number
  /** The two seeds: time to ready at each, the query over the large one. */
  small: number
  large: number
}

export const FULL_SIZES: Sizes = { writes: 1000, small: 10_000, large: 100_000 }
/** `--quick` and the smoke test: the same figures on small data. */
export const QUICK_SIZES: Sizes = { writes: 100, small: 1000, large: 5000 }

export type FigureId =
  | 'latency-leader'
  | 'latency-follower'
  | 'insert-1'
  | 'insert-100'
  | 'follower-insert-1'
  | 'ready-small'
  | 'ready-large'
  | 'top-noindex'
  | 'top-index'
  | 'size-small'
  | 'size-large'
  | 'seed-large'

export interface Figure {
  id: FigureId
  label: (sizes: Sizes) => string
  engines: readonly Engine[]
  /** Sizes are one measurement per engine, not a median of runs. */
  once?: boolean
}

const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n))
const count = (n: number) => n.toLocaleString('en-US')

export const FIGURES: readonly Figure[] = [
  {
    id: 'latency-leader',
    label: (s) => `one-row write latency, leader tab (median of ${count(s.writes)} transactions), ms`,
    engines: ENGINES,
  },
  {
    id: 'latency-follower',
    label: (s) =>
      `one-row write latency, follower tab (second tab on the same database; median of ${count(s.writes)}), ms`,
    engines: ['persistdb'],
  },
  { id: 'insert-1', label: (s) => `${count(s.writes)} inserts, 1 row/tx, ms`, engines: ENGINES },
  {
    id: 'follower-insert-1',
    label: (s) => `${count(s.writes)} inserts, 1 row/tx, from the follower tab, ms`,
    engines: ['persistdb'],
  },
  { id: 'insert-100', label: (s) => `${count(s.writes)} inserts, 100 rows/tx, ms`, engines: ENGINES },
  {
    id: 'ready-small',
    label: (s) => `time to ready after a reload, ${k(s.small)} rows (eager): open → ready, ms`,
    engines: ENGINES,
  },
  {
    id: 'ready-large',
    label: (s) => `time to ready after a reload, ${k(s.large)} rows (eager): open → ready, ms`,
    engines: ENGINES,
  },
  {
    id: 'top-noindex',
    label: (s) => `on-demand top-50 of ${k(s.large)}, no index: open → first result, ms`,
    engines: ENGINES,
  },
  {
    id: 'top-index',
    label: (s) => `on-demand top-50 of ${k(s.large)}, index on score: open → first result, ms`,
    engines: ENGINES,
  },
  {
    id: 'size-small',
    label: (s) => `file size, ${k(s.small)} rows (database + WAL + journal), MB`,
    engines: ENGINES,
    once: true,
  },
  {
    id: 'size-large',
    label: (s) => `file size, ${k(s.large)} rows (database + WAL + journal), MB`,
    engines: ENGINES,
    once: true,
  },
  {
    id: 'seed-large',
    label: (s) => `seeding ${k(s.large)} rows in 5,000-row transactions (setup), ms`,
    engines: ENGINES,
    once: true,
  },
]

/** Per engine, per figure: one value per run (NaN where that run failed), or the error. */
export type Results = Record<FigureId, Partial<Record<Engine, { values: number[]; error?: string }>>>
