import type { SQLiteValue } from '../driver'
import type { LeadOrder } from './compile-order'
import type { ScanPage } from './scan-page'
import type { Frag } from './sql'

/** The statements a compiled subset request runs (subset-query.ts builds and runs them). */
export interface Statement {
  readonly sql: string
  readonly params: readonly SQLiteValue[]
}

export interface ReadPlan {
  readonly kind: 'read'
  readonly statement: Statement
  /** The exact part is complete: the result is exact when no fallback-part row came back. */
  readonly exact: boolean
}

export interface PagePlan {
  readonly kind: 'page'
  readonly table: string
  readonly lead: LeadOrder
  readonly limit: number
  readonly offset: number
  readonly page: Statement
  readonly nulls: Statement
  readonly nullCount: Statement
  readonly ties: Statement
  readonly current?: Statement
  readonly superset: Frag
  readonly violations: readonly string[]
  readonly fallback: ReadPlan
  readonly knownTypes: boolean
  /** No persisted index on the leading term: one pass over the candidates replaces the statements above. */
  readonly scan?: ScanPage
}
