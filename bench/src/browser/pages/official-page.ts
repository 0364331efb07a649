/**
 * The official package's bench page: @tanstack/browser-db-sqlite-persistence 0.2.20 with its defaults
 * (single tab, its own prebuilt OPFS worker), on the @tanstack/db it pins: the page bundler resolves
 * `@tanstack/db` here to the copy nested under the package's core (see ../bundle.ts).
 */
import * as db from '@tanstack/db'
import {
  createBrowserWASQLitePersistence,
  openBrowserWASQLiteOPFSDatabase,
  persistedCollectionOptions,
} from '@tanstack/browser-db-sqlite-persistence'
import type { BenchCollection } from '../../collection-ops'
import type { BenchRow } from '../../rows'
import { collectionPageApi } from './collection-page'

const api = collectionPageApi({
  db,
  async open(databaseName, { onDemand }) {
    const database = await openBrowserWASQLiteOPFSDatabase({ databaseName })
    const persistence = createBrowserWASQLitePersistence({ database })
    const options = persistedCollectionOptions<BenchRow, string>({
      id: 'items',
      getKey: (row) => row.id,
      persistence,
      schemaVersion: 1,
      ...(onDemand ? { syncMode: 'on-demand' as const } : {}),
    })
    const collection = db.createCollection(
      options as unknown as Parameters<typeof db.createCollection>[0],
    ) as unknown as BenchCollection
    return {
      collection,
      // Single tab (its default): this tab always writes the file itself.
      isLeader: async () => true,
      close: async () => {
        await collection.cleanup()
        await database.close?.()
      },
    }
  },
})

;(window as unknown as { bench: typeof api }).bench = api
