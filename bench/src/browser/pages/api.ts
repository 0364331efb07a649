/**
 * What every engine's bench page offers on `window.bench` (PersistDB, the official package, raw wa-sqlite),
 * so the driver in Node runs the same calls on each. Times are `performance.now()` differences in the page.
 */
export interface TimedInserts {
  /** From the first transaction to the last one persisted. */
  ms: number
  /** Each transaction, from its call to its persisted promise. */
  latencies: number[]
}

export interface OpfsFile {
  path: string
  bytes: number
}

export interface BenchPageApi {
  /** Writes rows 0..n-1 into `databaseName` in 5,000-row transactions, eagerly (untimed setup). */
  seed(databaseName: string, n: number): Promise<void>
  /** Opens `databaseName` eagerly until every row is in memory; checks the rows. */
  hydrate(databaseName: string, n: number): Promise<{ readyMs: number }>
  /** Inserts rows 0..n-1, `perTx` per transaction, each awaited; checks the rows are read back after. */
  insert(databaseName: string, n: number, perTx: number): Promise<TimedInserts>
  /** Opens `databaseName` and keeps it open (the leader tab of the follower figure); true once this tab leads. */
  hold(databaseName: string): Promise<{ leader: boolean }>
  /**
   * The on-demand query, from open to its first full result (checked against `expectedIds`).
   * `indexed`: with `createIndex(row => row.score)` (raw: an expression index on the same field).
   */
  topQuery(
    databaseName: string,
    expectedIds: readonly string[],
    indexed: boolean,
  ): Promise<{ ms: number; loaded: number }>
  /** The ids stored in `databaseName`, sorted (for the smoke test). */
  readIds(databaseName: string): Promise<string[]>
  /** Closes whatever this page opened (so the next page can open the file). */
  close(): Promise<void>
  /** Every file of this origin's OPFS with its size (after close). */
  opfsFiles(): Promise<OpfsFile[]>
}

export type Engine = 'persistdb' | 'official' | 'raw'
