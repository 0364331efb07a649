/** The official @tanstack/node-db-sqlite-persistence 0.2.20 on the @tanstack/db it pins (0.8.7). */
import Database from 'better-sqlite3'
import {
  checkRows,
  firstTopResult,
  indexScore,
  secondTopQueryMs,
  seedRows,
  type BenchCollection,
} from '../collection-ops'
import type { BenchRow } from '../rows'
import { loadOfficial, type OfficialModules } from './official-modules'
import { checkSeed, timedInsert, timedUpdateDelete, type OpenedCollection } from '../persisted-workloads'
import type { Target } from './types'

let modules: OfficialModules | undefined

/** Loaded before any timer starts (its module graph is part of process start, like ours). */
export async function preloadOfficial(): Promise<OfficialModules> {
  return (modules ??= await loadOfficial())
}

type Opened = OpenedCollection

function open(file: string, onDemand = false): Opened {
  if (!modules) throw new Error('preloadOfficial() first')
  const { official, db } = modules
  const database = new Database(file)
  const persistence = official.createNodeSQLitePersistence({ database })
  const options = official.persistedCollectionOptions({
    id: 'items',
    getKey: (row: BenchRow) => row.id,
    persistence,
    schemaVersion: 1,
    ...(onDemand ? { syncMode: 'on-demand' } : {}),
  })
  const collection = db.createCollection(options as Parameters<typeof db.createCollection>[0])
  const bench = collection as unknown as BenchCollection
  return {
    collection: bench,
    close: async () => {
      await bench.cleanup()
      database.close()
    },
  }
}

export const official: Target = {
  async seed(file, kind, n) {
    const { db } = await preloadOfficial()
    await seedRows(() => {
      const opened = open(file, kind === 'indexed')
      // The official package persists createIndex as a SQLite index (ensureIndex).
      if (kind === 'indexed') indexScore(db, opened.collection)
      return opened
    }, n)
    await checkSeed(db, open, file, n)
  },

  async hydrate(file, n) {
    await preloadOfficial()
    const start = performance.now()
    const opened = open(file)
    await opened.collection.preload()
    const readyMs = performance.now() - start
    const processMs = performance.now()
    checkRows(opened.collection, n)
    await opened.close()
    return { readyMs, processMs }
  },

  async insert(file, n, perTx) {
    await preloadOfficial()
    return timedInsert(open, file, n, perTx)
  },

  async updateDelete(file, n, perTx) {
    await preloadOfficial()
    return timedUpdateDelete(open, file, n, perTx)
  },

  async topQuery(file, _n, expectedIds, indexed) {
    const { db } = await preloadOfficial()
    const start = performance.now()
    const opened = open(file, true)
    if (indexed) indexScore(db, opened.collection)
    const { dispose } = await firstTopResult(db, opened.collection, expectedIds)
    const ms = performance.now() - start
    const processMs = performance.now()
    const loaded = opened.collection.size
    const secondMs = await secondTopQueryMs(db, opened.collection, expectedIds)
    await dispose()
    await opened.close()
    return { ms, processMs, loaded, secondMs }
  },
}
