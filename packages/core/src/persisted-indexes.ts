import type { CollectionIndexMetadata, IR } from '@tanstack/db'

type BasicExpression = IR.BasicExpression
import { isPromiseLike, type MaybePromise } from './driver'
import type { PersistenceBackend } from './backend'
import { indexDefinition } from './query'
import { rowsTable } from './schema'

interface IndexEvents {
  getIndexMetadata(): CollectionIndexMetadata[]
  on(
    event: 'index:added' | 'index:removed',
    listener: (event: { index: CollectionIndexMetadata }) => void,
  ): () => void
}

/**
 * Keeps SQLite indexes in step with the collection's own: each index core has
 * (at start, from getIndexMetadata) or gains (index:added) becomes a SQLite
 * index on the same canonical expression the subset queries use; index:removed
 * drops it. An index that exists already costs one read, never a write lock.
 */
export function bindPersistedIndexes(
  collection: unknown,
  persistence: PersistenceBackend,
  collectionNum: number,
): () => void {
  const events = collection as Partial<IndexEvents>
  if (typeof events.getIndexMetadata !== 'function' || typeof events.on !== 'function') return () => undefined
  const table = rowsTable(collectionNum)
  const define = (expression: BasicExpression) => indexDefinition(table, collectionNum, expression)
  const add = (index: CollectionIndexMetadata) => {
    // An expression SQLite cannot index stays an in-memory index only.
    if (!define(index.expression)) return
    settle(
      () => persistence.ensureIndex(collectionNum, index.expression),
      `create the SQLite index for ${index.signature}`,
    )
  }
  const remove = (index: CollectionIndexMetadata) => {
    const def = define(index.expression)
    if (!def) return
    // Another index of this collection may share the expression: keep the SQLite index for it.
    if (events.getIndexMetadata!().some((other) => define(other.expression)?.name === def.name)) return
    settle(
      () => persistence.dropIndex(collectionNum, index.expression),
      `drop the SQLite index for ${index.signature}`,
    )
  }
  const offAdded = events.on('index:added', (event) => add(event.index))
  const offRemoved = events.on('index:removed', (event) => remove(event.index))
  for (const index of events.getIndexMetadata()) add(index)
  return () => {
    offAdded()
    offRemoved()
  }
}

/** Index upkeep never fails a user's operation: queries stay correct without it, only slower. */
function settle(work: () => MaybePromise<unknown>, what: string): void {
  const report = (error: unknown) =>
    console.error(`[persistdb] could not ${what}; queries stay correct`, error)
  try {
    const result = work()
    if (isPromiseLike(result)) result.catch(report)
  } catch (error) {
    report(error)
  }
}
