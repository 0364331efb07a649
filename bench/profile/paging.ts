/**
 * Paging a big on-demand collection (issue 12; examples/cloudflare-rooms: "1.5 s per page at 100k"): pages of
 * `where score < before orderBy score desc limit PAGE`, each a fresh live query cleaned up after its answer, as
 * the demo's `?before=` route does; prints the time per page as the collection fills.
 *   node --import tsx bench/profile/paging.ts <persistdb seed file> [pages=100] [page=1000] [--noindex] [--floor]
 * --floor: the same paging on TanStack DB alone, an on-demand collection whose loadSubset answers from rows in
 * memory (filter, sort, limit in plain JS): if its pages slow down the same way, the growth is TanStack DB's.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as db from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '@persistdb/node'
import { makeRows, type BenchRow } from '../src/rows'

const source = process.argv[2]
const pages = Number(process.argv[3] ?? 100)
const pageSize = Number(process.argv[4] ?? 1000)
if (!source || !existsSync(source)) throw new Error('usage: paging.ts <persistdb seed file> [pages] [page]')
const file = join(tmpdir(), `persistdb-paging-${process.pid}.sqlite`)
for (const s of ['', '-wal', '-shm']) if (existsSync(source + s)) copyFileSync(source + s, file + s)

const floor = process.argv.includes('--floor')
const persistence = floor ? undefined : createNodeSQLitePersistence({ path: file })
const collection = persistence
  ? db.createCollection(
      persistedCollectionOptions<BenchRow, string>({
        id: 'items',
        getKey: (row) => row.id,
        persistence,
        schemaVersion: 1,
        syncMode: 'on-demand',
        defaultIndexType: db.BasicIndex,
      }),
    )
  : floorCollection()

/** TanStack DB alone: rows in memory, each loadSubset answered by a plain filter + sort + limit. */
function floorCollection() {
  const all = makeRows(100_000).sort((a, b) => b.score - a.score)
  return db.createCollection<BenchRow, string>({
    id: 'items',
    getKey: (row) => row.id,
    syncMode: 'on-demand',
    defaultIndexType: db.BasicIndex,
    sync: {
      sync: ({ begin, write, commit, markReady, collection: self }) => {
        markReady()
        return {
          loadSubset: (options) => {
            const where = options.where ? db.compileSingleRowExpression(options.where) : () => true
            // Rows are sorted by score desc: start at the page's bound (binary search), as an index would.
            let from = 0
            const bound = pageBound(options.where)
            if (bound !== undefined) {
              let hi = all.length
              while (from < hi) {
                const mid = (from + hi) >> 1
                if (all[mid]!.score >= bound) from = mid + 1
                else hi = mid
              }
            }
            const limit = options.limit ?? Number.POSITIVE_INFINITY
            begin()
            for (let i = from, taken = 0; i < all.length && taken < limit; i++) {
              const value = all[i]!
              if (where(value as unknown as Record<string, unknown>) !== true) continue
              taken++
              if (!self.has(value.id)) write({ type: 'insert', value })
            }
            commit()
            return true
          },
        }
      },
    },
  })
}
if (!process.argv.includes('--noindex')) collection.createIndex((row) => row.score)

/** The bound of `lt(score, bound)`, the page query's filter (other shapes: undefined, scanned from the top). */
function pageBound(where: unknown): number | undefined {
  const fn = where as { name?: string; args?: Array<{ type: string; value?: unknown }> } | undefined
  const value = fn?.name === 'lt' ? fn.args?.[1] : undefined
  return value?.type === 'val' && typeof value.value === 'number' ? value.value : undefined
}

let before = Number.POSITIVE_INFINITY
let seen = 0
const times: number[] = []
for (let page = 0; page < pages; page++) {
  const t0 = performance.now()
  const bound = before
  const live = db.createLiveQueryCollection({
    query: (q) =>
      q
        .from({ r: collection })
        .where(({ r }) => db.lt(r.score, bound))
        .orderBy(({ r }) => r.score, 'desc')
        .limit(pageSize),
    gcTime: 0,
  })
  const rows = (await live.toArrayWhenReady()) as BenchRow[]
  await live.cleanup()
  times.push(performance.now() - t0)
  if (rows.length === 0) break
  for (let i = 1; i < rows.length; i++)
    if (rows[i]!.score > rows[i - 1]!.score) throw new Error(`page ${page} out of order`)
  if (rows[0]!.score >= bound) throw new Error(`page ${page} not below ${bound}`)
  before = rows.at(-1)!.score
  seen += rows.length
  if (page % 10 === 9 || page === 0)
    console.log(
      `page ${String(page + 1).padStart(3)}: ${times.at(-1)!.toFixed(1).padStart(8)} ms, ` +
        `collection holds ${collection.size}, rows paged ${seen}`,
    )
}
await collection.cleanup()
await persistence?.close()
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true })
