/** What the parent asks a child process to do, and what it answers. */
import type { Metrics, SeedKind } from './targets/types'

export const TARGETS = ['persistdb', 'official', 'tanstack', 'raw'] as const
export type TargetName = (typeof TARGETS)[number]

export const TARGET_LABELS: Record<TargetName, string> = {
  persistdb: 'PersistDB',
  official: 'Official 0.2.20',
  tanstack: 'TanStack DB alone',
  raw: 'raw better-sqlite3',
}

export type Task = 'seed' | 'hydrate' | 'insert' | 'updateDelete' | 'topQuery'

export interface Job {
  target: TargetName
  task: Task
  file: string
  n: number
  perTx?: number
  kind?: SeedKind
  expectedIds?: string[]
  /** W4: the app declared an index on score (createIndex); false: the issue-12 query without any index. */
  indexed?: boolean
}

export type ChildResult =
  { ok: true; metrics: Metrics; peakRssMb: number } | { ok: false; notApplicable: boolean; error: string }

/** The line a child prints last, so warnings on stdout cannot be mistaken for the result. */
export const RESULT_PREFIX = '@@bench-result '
