/**
 * The bench page of the two TanStack DB persistences (PersistDB and the official package): the same
 * collection calls in the same shape as the Node bench (bench/src/collection-ops.ts), over whichever
 * `open` the engine's page supplies.
 */
import type * as TanStackDB from '@tanstack/db'
import {
  checkRows,
  firstTopResult,
  indexScore,
  seedRows,
  type BenchCollection,
  type DbModule,
} from '../../collection-ops'
import { makeRows, type BenchRow } from '../../rows'
import type { BenchPageApi } from './api'
import { opfsFiles } from './opfs-files'

export interface OpenedCollection {
  collection: BenchCollection
  /** True once this tab is the one that writes the file (always true for single-tab engines). */
  isLeader(): Promise<boolean>
  close(): Promise<void>
}

export interface CollectionEngine {
  db: DbModule
  open(databaseName: string, options: { onDemand: boolean }): Promise<OpenedCollection>
}

export function collectionPageApi(engine: CollectionEngine): BenchPageApi {
  const open: OpenedCollection[] = []
  const track = async (databaseName: string, onDemand = false) => {
    const opened = await engine.open(databaseName, { onDemand })
    open.push(opened)
    return opened
  }
  const release = async (opened: OpenedCollection) => {
    open.splice(open.indexOf(opened), 1)
    await opened.close()
  }

  return {
    async seed(databaseName, n) {
      await seedRows(async () => {
        const opened = await track(databaseName)
        return { collection: opened.collection, close: () => release(opened) }
      }, n)
    },

    async hydrate(databaseName, n) {
      const start = performance.now()
      const opened = await track(databaseName)
      await opened.collection.preload()
      const readyMs = performance.now() - start
      checkRows(opened.collection, n)
      await release(opened)
      return { readyMs }
    },

    async insert(databaseName, n, perTx) {
      const rows = makeRows(n)
      const opened = await track(databaseName)
      await opened.collection.preload()
      const latencies: number[] = []
      const start = performance.now()
      for (let i = 0; i < rows.length; i += perTx) {
        const began = performance.now()
        await opened.collection.insert(rows.slice(i, i + perTx)).isPersisted.promise
        latencies.push(performance.now() - began)
      }
      const ms = performance.now() - start
      await release(opened)
      // Read back from the file, not from memory.
      const again = await track(databaseName)
      await again.collection.preload()
      checkRows(again.collection, n)
      await release(again)
      return { ms, latencies }
    },

    async hold(databaseName) {
      const opened = await track(databaseName)
      await opened.collection.preload()
      return { leader: await opened.isLeader() }
    },

    async topQuery(databaseName, expectedIds, indexed) {
      const start = performance.now()
      const opened = await track(databaseName, true)
      if (indexed) indexScore(engine.db, opened.collection)
      const found = await firstTopResult(engine.db, opened.collection, expectedIds)
      const ms = performance.now() - start
      const loaded = opened.collection.size
      await found.dispose()
      await release(opened)
      return { ms, loaded }
    },

    async readIds(databaseName) {
      const opened = await track(databaseName)
      await opened.collection.preload()
      const source = opened.collection as unknown as TanStackDB.Collection<BenchRow, string>
      const ids = source.toArray.map((row) => row.id).sort()
      await release(opened)
      return ids
    },

    async close() {
      for (const opened of [...open].reverse()) await release(opened)
    },

    opfsFiles,
  }
}
