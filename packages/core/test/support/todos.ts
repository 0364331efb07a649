import { createCollection } from '@tanstack/db'
import { persistedCollectionOptions, type PersistenceBackend } from '../../src'

export interface Todo {
  id: string
  title: string
  done?: boolean
  [field: string]: unknown
}

/** A local-only `todos` collection (or `options.id`) on any persistence, local or remote. */
export function todosCollection(
  persistence: PersistenceBackend,
  options: { id?: string; schemaVersion?: number } = {},
) {
  return createCollection(
    persistedCollectionOptions<Todo, string>({
      id: options.id ?? 'todos',
      getKey: (todo) => todo.id,
      persistence,
      schemaVersion: options.schemaVersion ?? 1,
    }),
  )
}
