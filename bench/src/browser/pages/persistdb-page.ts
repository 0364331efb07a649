/** PersistDB's bench page: @persistdb/browser (its built dist) on the root's @tanstack/db 0.15. */
import * as db from '@tanstack/db'
import {
  createBrowserWASQLitePersistence,
  openBrowserWASQLiteOPFSDatabase,
  persistedCollectionOptions,
} from '@persistdb/browser'
import type { BenchCollection } from '../../collection-ops'
import type { BenchRow } from '../../rows'
import { collectionPageApi } from './collection-page'

const api = collectionPageApi({
  db,
  async open(databaseName, { onDemand }) {
    const database = await openBrowserWASQLiteOPFSDatabase({
      databaseName,
      worker: () => new Worker('/persistdb-worker.js', { type: 'module' }),
      wasmUrl: '/wa-sqlite.wasm',
    })
    const persistence = createBrowserWASQLitePersistence({ database })
    const collection = db.createCollection(
      persistedCollectionOptions<BenchRow, string>({
        id: 'items',
        getKey: (row) => row.id,
        persistence,
        schemaVersion: 1,
        ...(onDemand ? { syncMode: 'on-demand' as const } : {}),
      }),
    ) as unknown as BenchCollection
    return {
      collection,
      isLeader: async () => {
        if (database.coordinator.isLeader()) return true
        // Waits for the election (this tab is the only one open when `hold` is called).
        return new Promise<boolean>((resolve) => {
          const stop = database.coordinator.onLeaderChange(() => {
            if (!database.coordinator.isLeader()) return
            stop()
            resolve(true)
          })
        })
      },
      close: async () => {
        await collection.cleanup()
        await persistence.close()
      },
    }
  },
})

;(window as unknown as { bench: typeof api }).bench = api
