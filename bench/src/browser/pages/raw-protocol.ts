/** Messages between the raw page and its worker (wa-sqlite used directly). */
export type RawRequest =
  | { id: number; op: 'open'; databaseName: string }
  /** One statement, its rows as arrays. */
  | { id: number; op: 'all'; sql: string; params?: Array<string | number> }
  /** BEGIN, `sql` once per parameter list, COMMIT: one transaction. */
  | { id: number; op: 'tx'; sql: string; rows: Array<Array<string | number>> }
  | { id: number; op: 'close' }

export type RawResponse =
  { id: number; ok: true; rows: unknown[][] } | { id: number; ok: false; error: string }
