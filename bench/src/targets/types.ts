/** What one measurement returns: named figures (milliseconds unless the name says otherwise). */
export type Metrics = Record<string, number>

/** A seeded file: plain rows (W1, W3, W5) or rows with a persisted index on score (W4). */
export type SeedKind = 'rows' | 'indexed'

/** One benchmark target. Every method runs in a fresh child process and times only its own work. */
export interface Target {
  /** Writes `n` rows (makeRows) to `file` through the target's own API. */
  seed(file: string, kind: SeedKind, n: number): Promise<void>
  /** W1: open the seeded file until the collection is ready with all `n` rows: { readyMs, firstRowsMs? }. */
  hydrate(file: string, n: number): Promise<Metrics>
  /** W2: insert `n` new rows, `perTx` per transaction, each awaited durable; verified by reopening: { ms }. */
  insert(file: string, n: number, perTx: number): Promise<Metrics>
  /** W3: update then delete all `n` seeded rows, `perTx` per transaction: { updateMs, deleteMs }. */
  updateDelete(file: string, n: number, perTx: number): Promise<Metrics>
  /**
   * W4: cold open of a seed to the first result of the top-50 live query: { ms, loaded }. `indexed`: the app
   * declares `createIndex((row) => row.score)` (on the indexed seed); false: no index anywhere (plain seed).
   */
  topQuery(file: string, n: number, expectedIds: readonly string[], indexed: boolean): Promise<Metrics>
}

/** Thrown to report a measurement as not applicable: the message starts with a short reason, then `:`. */
export class NotApplicable extends Error {
  override name = 'NotApplicable'
}
