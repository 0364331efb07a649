/**
 * TanStack DB 0.15 alone, no persistence: the in-memory floor for the same
 * collection work. Rows are generated in memory before any timer starts; the
 * storage share of each workload is measured by the raw target.
 */
import * as db from '@tanstack/db'
import {
  checkRows,
  firstTopResult,
  indexScore,
  insertRows,
  secondTopQueryMs,
  updateThenDelete,
  type BenchCollection,
} from '../collection-ops'
import { makeRow, makeRows, type BenchRow } from '../rows'
import type { Target } from './types'

function localCollection(initialData?: BenchRow[]): BenchCollection {
  const options = db.localOnlyCollectionOptions<BenchRow, string>({
    id: 'items',
    getKey: (row) => row.id,
    ...(initialData ? { initialData } : {}),
  })
  return db.createCollection(options) as unknown as BenchCollection
}

export const tanstack: Target = {
  async seed() {
    // Nothing to store: every run starts from rows in memory.
  },

  async hydrate(_file, n) {
    const rows = makeRows(n)
    const start = performance.now()
    // A sync that hands TanStack DB all rows in one transaction, as any loader would.
    const collection = db.createCollection<BenchRow, string>({
      id: 'items',
      getKey: (row) => row.id,
      sync: {
        sync: ({ begin, write, commit, markReady }) => {
          begin()
          for (const value of rows) write({ type: 'insert', value })
          commit()
          markReady()
        },
      },
    })
    await collection.preload()
    const readyMs = performance.now() - start
    const processMs = performance.now()
    checkRows(collection as unknown as BenchCollection, n)
    await collection.cleanup()
    return { readyMs, processMs }
  },

  async insert(_file, n, perTx) {
    const rows = makeRows(n)
    const collection = localCollection()
    await collection.preload()
    const start = performance.now()
    await insertRows(collection, rows, perTx)
    const ms = performance.now() - start
    checkRows(collection, n)
    await collection.cleanup()
    return { ms }
  },

  async updateDelete(_file, n, perTx) {
    const collection = localCollection(makeRows(n))
    await collection.preload()
    const result = await updateThenDelete(collection, n, perTx)
    await collection.cleanup()
    return result
  },

  /**
   * TanStack DB's own live-query cost: an on-demand collection whose loadSubset
   * hands over the answer rows from memory (what an ideal indexed store returns).
   */
  async topQuery(_file, _n, expectedIds, indexed) {
    const answer = expectedIds.map((id) => makeRow(Number(id.slice('row-'.length))))
    const start = performance.now()
    const collection = db.createCollection<BenchRow, string>({
      id: 'items',
      getKey: (row) => row.id,
      syncMode: 'on-demand',
      sync: {
        sync: ({ begin, write, commit, markReady, collection: self }) => {
          markReady()
          return {
            loadSubset: () => {
              begin()
              for (const value of answer) if (!self.has(value.id)) write({ type: 'insert', value })
              commit()
              return true
            },
          }
        },
      },
    })
    if (indexed) indexScore(db, collection as unknown as BenchCollection)
    const { dispose } = await firstTopResult(db, collection as unknown as BenchCollection, expectedIds)
    const ms = performance.now() - start
    const processMs = performance.now()
    const loaded = collection.size
    const secondMs = await secondTopQueryMs(db, collection as unknown as BenchCollection, expectedIds)
    await dispose()
    await collection.cleanup()
    return { ms, processMs, loaded, secondMs }
  },
}
