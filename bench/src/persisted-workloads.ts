/**
 * The W2 / W3 runs of the two persisted targets (PersistDB and the official
 * package), written once: open, preload, time the work, close, then verify
 * by reopening the file.
 */
import {
  checkRows,
  checkSampledRows,
  FULL_CHECK_MAX_ROWS,
  insertRows,
  seedSampleIds,
  updateThenDelete,
  type BenchCollection,
  type DbModule,
} from './collection-ops'
import { makeRows } from './rows'

export interface OpenedCollection {
  collection: BenchCollection
  close: () => Promise<void>
}

export type OpenFile = (file: string) => OpenedCollection

/** Reopens the file and fails unless it holds exactly rows 0..n-1. */
export async function reopenCheck(open: OpenFile, file: string, n: number): Promise<void> {
  const again = open(file)
  await again.collection.preload()
  checkRows(again.collection, n)
  await again.close()
}

/**
 * Checks a seed through the target's own reads: up to FULL_CHECK_MAX_ROWS rows, an eager reopen that
 * loads every row; above, an on-demand reopen that reads a sample covering every seeding transaction.
 */
export async function checkSeed(
  db: DbModule,
  open: (file: string, onDemand: boolean) => OpenedCollection,
  file: string,
  n: number,
): Promise<void> {
  if (n <= FULL_CHECK_MAX_ROWS) return reopenCheck((f) => open(f, false), file, n)
  const again = open(file, true)
  try {
    await checkSampledRows(db, again.collection, seedSampleIds(n))
  } finally {
    await again.close()
  }
}

export async function timedInsert(
  open: OpenFile,
  file: string,
  n: number,
  perTx: number,
): Promise<{ ms: number; workPeakRssMb: number }> {
  const rows = makeRows(n)
  const opened = open(file)
  await opened.collection.preload()
  const start = performance.now()
  await insertRows(opened.collection, rows, perTx)
  const ms = performance.now() - start
  await opened.close()
  // W5 compares the insert's peak with TanStack DB alone, which has no file to verify: the peak is taken
  // before the check below hydrates every row a second time (while the first copy may not be collected yet).
  const workPeakRssMb = process.resourceUsage().maxRSS / 1024
  await reopenCheck(open, file, n)
  return { ms, workPeakRssMb }
}

export async function timedUpdateDelete(
  open: OpenFile,
  file: string,
  n: number,
  perTx: number,
): Promise<{ updateMs: number; deleteMs: number }> {
  const opened = open(file)
  await opened.collection.preload()
  const result = await updateThenDelete(opened.collection, n, perTx)
  await opened.close()
  await reopenCheck(open, file, 0)
  return result
}
