/**
 * The collection work shared by the three TanStack DB targets (PersistDB, the
 * official package, TanStack DB alone), written once so every target does the
 * same calls in the same shape: arrays per transaction, each awaited.
 */
import type * as TanStackDB from '@tanstack/db'
import { makeRow, makeRows, SECOND_MIN_SCORE, TOP_QUERY, updated, type BenchRow } from './rows'

/** The @tanstack/db module a target uses (0.15 for ours; the official package brings 0.8.x). */
export type DbModule = typeof TanStackDB

interface Tx {
  isPersisted: { promise: Promise<unknown> }
}

/** The structural part of a collection the workloads touch (both 0.8 and 0.15 collections have it). */
export interface BenchCollection {
  insert(rows: BenchRow[]): Tx
  update(keys: string[], change: (drafts: BenchRow[]) => void): Tx
  delete(keys: string[]): Tx
  preload(): Promise<void>
  readonly size: number
  get(key: string): BenchRow | undefined
  cleanup(): Promise<void>
}

export async function insertRows(
  collection: BenchCollection,
  rows: BenchRow[],
  perTx: number,
): Promise<void> {
  for (let i = 0; i < rows.length; i += perTx) {
    await collection.insert(rows.slice(i, i + perTx)).isPersisted.promise
  }
}

/** Rows per seeding transaction. */
export const SEED_ROWS_PER_TX = 5000
/**
 * Rows per collection while seeding. A collection keeps every row it inserted, and TanStack DB 0.8's
 * insert cost grows with the collection (the official 1M seed through one collection ran for over an
 * hour), so a large seed goes through several fresh collections on the same file, each closed before
 * the next opens: every row is still written by a collection insert.
 */
export const SEED_ROWS_PER_COLLECTION = 100_000

interface SeedCollection {
  collection: BenchCollection
  close: () => Promise<void>
}

/** Writes rows 0..n-1 in large transactions through fresh collections from `open` (seeding; not timed). */
export async function seedRows(
  open: () => SeedCollection | Promise<SeedCollection>,
  n: number,
  perCollection = SEED_ROWS_PER_COLLECTION,
): Promise<void> {
  for (let first = 0; first < n; first += perCollection) {
    const opened = await open()
    await opened.collection.preload()
    const end = Math.min(n, first + perCollection)
    for (let from = first; from < end; from += SEED_ROWS_PER_TX) {
      const rows = makeRows(Math.min(SEED_ROWS_PER_TX, end - from), from)
      await opened.collection.insert(rows).isPersisted.promise
    }
    await opened.close()
  }
}

/** Above this many rows the seed check samples instead of loading every row. */
export const FULL_CHECK_MAX_ROWS = 100_000

/**
 * The ids a sampled seed check reads: the first and last row of every seeding transaction (so a
 * transaction that was dropped is caught) and the last row.
 */
export function seedSampleIds(n: number): string[] {
  const ids = new Set<string>()
  for (let from = 0; from < n; from += SEED_ROWS_PER_TX) {
    ids.add(makeRow(from).id)
    ids.add(makeRow(Math.min(n, from + SEED_ROWS_PER_TX) - 1).id)
  }
  return [...ids]
}

/**
 * Reads `ids` through an on-demand collection's live query (`where id in ids`, the target's own
 * subset load) and fails unless each comes back as generated.
 */
export async function checkSampledRows(
  db: DbModule,
  collection: BenchCollection,
  ids: readonly string[],
): Promise<void> {
  const source = collection as unknown as TanStackDB.Collection<BenchRow, string>
  const live = db.createLiveQueryCollection((q) =>
    q.from({ r: source }).where(({ r }) => db.inArray(r.id, [...ids])),
  )
  await live.preload()
  const got = new Map((live.toArray as BenchRow[]).map((row) => [row.id, row]))
  await live.cleanup()
  if (got.size !== ids.length) throw new Error(`sample read ${got.size} of ${ids.length} rows`)
  for (const id of ids) {
    const want = makeRow(Number(id.slice('row-'.length)))
    const row = got.get(id)
    if (!row || row.score !== want.score || row.title !== want.title) throw new Error(`row ${id} differs`)
  }
}

/** W3 on a hydrated collection of makeRows(n): { updateMs, deleteMs }. */
export async function updateThenDelete(
  collection: BenchCollection,
  n: number,
  perTx: number,
): Promise<{ updateMs: number; deleteMs: number }> {
  const keys = makeRows(n).map((row) => row.id)
  if (collection.size !== n) throw new Error(`expected ${n} rows before W3, found ${collection.size}`)
  let start = performance.now()
  for (let i = 0; i < n; i += perTx) {
    const batch = keys.slice(i, i + perTx)
    await collection.update(batch, (drafts) => drafts.forEach(updated)).isPersisted.promise
  }
  const updateMs = performance.now() - start
  start = performance.now()
  for (let i = 0; i < n; i += perTx) {
    await collection.delete(keys.slice(i, i + perTx)).isPersisted.promise
  }
  const deleteMs = performance.now() - start
  if (collection.size !== 0) throw new Error(`expected 0 rows after W3, found ${collection.size}`)
  return { updateMs, deleteMs }
}

/** Fails unless `collection` holds exactly rows 0..n-1 as generated (spot checks plus the count). */
export function checkRows(collection: BenchCollection, n: number, change?: (row: BenchRow) => void): void {
  if (collection.size !== n) throw new Error(`expected ${n} rows, found ${collection.size}`)
  for (const i of n === 0 ? [] : [0, Math.floor(n / 2), n - 1]) {
    const want = makeRows(1, i)[0]!
    change?.(want)
    const got = collection.get(want.id)
    if (!got || got.score !== want.score || got.title !== want.title)
      throw new Error(`row ${want.id} differs`)
  }
}

/** An index on score, as the app would create it. */
export function indexScore(db: DbModule, collection: BenchCollection): void {
  const c = collection as unknown as TanStackDB.Collection<BenchRow, string>
  c.createIndex((row) => row.score, { indexType: db.BasicIndex })
}

/**
 * W4's live query, `where meta.category = X and score > Y orderBy score desc limit 50`,
 * until its first full result. Checks the answer against the expected ids (computed by the parent).
 */
export async function firstTopResult(
  db: DbModule,
  collection: BenchCollection,
  expectedIds: readonly string[],
  minScore: number = TOP_QUERY.minScore,
): Promise<{ rows: BenchRow[]; dispose: () => Promise<void> }> {
  const source = collection as unknown as TanStackDB.Collection<BenchRow, string>
  const live = db.createLiveQueryCollection((q) =>
    q
      .from({ r: source })
      .where(({ r }) => db.and(db.eq(r.meta.category, TOP_QUERY.category), db.gt(r.score, minScore)))
      .orderBy(({ r }) => r.score, 'desc')
      .limit(TOP_QUERY.limit),
  )
  await live.preload()
  const rows = live.toArray as BenchRow[]
  checkTop(rows, expectedIds)
  return { rows, dispose: () => live.cleanup() }
}

/**
 * The second query of W4's shape while the first is still live (`score > 501`: the same 50 rows, a new
 * request to the store): what an app pays for every later query of a shape. Milliseconds to its result.
 */
export async function secondTopQueryMs(
  db: DbModule,
  collection: BenchCollection,
  expectedIds: readonly string[],
): Promise<number> {
  const start = performance.now()
  const { dispose } = await firstTopResult(db, collection, expectedIds, SECOND_MIN_SCORE)
  const ms = performance.now() - start
  await dispose()
  return ms
}

/**
 * Scores are compared in order, not ids: at 1M rows scores tie, and rows that tie at the
 * limit boundary may legitimately differ between targets.
 */
export function checkTop(rows: BenchRow[], expectedIds: readonly string[]): void {
  const want = expectedIds.map((id) => makeRow(Number(id.slice('row-'.length))).score).join(',')
  const got = rows.map((row) => row.score).join(',')
  const filtered = rows.every(
    (row) => row.meta.category === TOP_QUERY.category && row.score > TOP_QUERY.minScore,
  )
  if (got !== want || !filtered) throw new Error(`W4 returned a wrong answer (${rows.length} rows)`)
}
