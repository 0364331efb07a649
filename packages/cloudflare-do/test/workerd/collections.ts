/** Collections over a Durable Object's storage, as the workerd tests open them. */
import { BasicIndex, createCollection, type Collection } from '@tanstack/db'
import {
  createCloudflareDOSQLitePersistence,
  persistedCollectionOptions,
  type DOStorage,
  type SQLitePersistence,
} from '../../src'

export interface Opened<T extends object, K extends string | number> {
  readonly persistence: SQLitePersistence
  readonly collection: Collection<T, K>
  close(): Promise<void>
}

/** A local-only collection (every row in memory, restored at start), loaded. */
export async function openLocal<T extends object, K extends string | number>(
  storage: DOStorage,
  id: string,
  getKey: (row: T) => K,
  settings: { pollIntervalMs?: number } = {},
): Promise<Opened<T, K>> {
  const persistence = createCloudflareDOSQLitePersistence({ storage, ...settings })
  const collection = createCollection(persistedCollectionOptions<T, K>({ id, getKey, persistence }))
  await collection.preload()
  return opened(persistence, collection)
}

/** An on-demand collection: queries are answered from SQLite, nothing is loaded up front. */
export function openOnDemand<T extends object, K extends string | number>(
  storage: DOStorage,
  id: string,
  getKey: (row: T) => K,
): Opened<T, K> {
  const persistence = createCloudflareDOSQLitePersistence({ storage })
  const collection = createCollection(
    persistedCollectionOptions<T, K>({
      id,
      getKey,
      persistence,
      syncMode: 'on-demand',
      defaultIndexType: BasicIndex,
    }),
  )
  return opened(persistence, collection)
}

function opened<T extends object, K extends string | number>(
  persistence: SQLitePersistence,
  collection: Collection<T, K>,
): Opened<T, K> {
  return {
    persistence,
    collection,
    async close() {
      await collection.cleanup()
      await persistence.close()
    },
  }
}

/** A row as the app wrote it: TanStack DB's virtual props ($synced, $origin, ...) left out. */
export function plain<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('$'))) as T
}
