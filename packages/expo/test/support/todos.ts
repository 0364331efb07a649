import { createCollection } from '@tanstack/db'
import { persistedCollectionOptions, type SQLitePersistence } from '../../src'

export interface Todo {
  id: string
  title: string
}

/** The collection an app screen would create: local-only todos in `persistence`. */
export function todosIn(persistence: SQLitePersistence, id = 'todos') {
  return createCollection(
    persistedCollectionOptions<Todo, string>({
      id,
      getKey: (todo) => todo.id,
      persistence,
      schemaVersion: 1,
    }),
  )
}

export const todo = (id: string, title = `title ${id}`): Todo => ({ id, title })
