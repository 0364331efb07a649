/**
 * The example's two collections: `todos`, local-only (lives in this
 * browser), and `shared`, a TanStack Query collection over the example's own
 * /api/shared-todos endpoint. With `persist` both are durable in SQLite on
 * OPFS through @persistdb/browser; without it they are the plain TanStack
 * collections (the control the tests compare against).
 */
import { createCollection, localOnlyCollectionOptions } from '@tanstack/db'
import { QueryClient } from '@tanstack/query-core'
import { queryCollectionOptions } from '@tanstack/query-db-collection'
import {
  createBrowserWASQLitePersistence,
  openBrowserWASQLiteOPFSDatabase,
  persistedCollectionOptions,
  type BrowserWASQLiteDatabase,
} from '@persistdb/browser'
import PersistWorker from '@persistdb/browser/worker?worker'

export interface Todo {
  id: string
  text: string
  done: boolean
  createdAt: number
}

export interface SharedTodo {
  id: string
  text: string
  createdAt: number
}

const SHARED_TODOS_URL = '/api/shared-todos'

async function fetchShared(): Promise<SharedTodo[]> {
  const response = await fetch(SHARED_TODOS_URL)
  if (!response.ok) throw new Error(`GET ${SHARED_TODOS_URL}: ${response.status}`)
  return (await response.json()) as SharedTodo[]
}

async function postShared(todo: SharedTodo): Promise<void> {
  const response = await fetch(SHARED_TODOS_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(todo),
  })
  if (!response.ok) throw new Error(`POST ${SHARED_TODOS_URL}: ${response.status}`)
}

function sharedQueryOptions(queryClient: QueryClient) {
  return queryCollectionOptions({
    queryKey: ['shared-todos'],
    queryFn: fetchShared,
    queryClient,
    getKey: (todo: SharedTodo) => todo.id,
    // Polls, so the list catches up with other users' rows (and with the server coming back).
    refetchInterval: 1000,
    onInsert: async ({ transaction }) => {
      for (const mutation of transaction.mutations) await postShared(mutation.modified)
    },
  })
}

export async function openCollections(persist: boolean) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, retryDelay: 300 } } })
  if (!persist) {
    return {
      database: undefined,
      todos: createCollection(
        localOnlyCollectionOptions<Todo, string>({ id: 'todos', getKey: (todo) => todo.id }),
      ),
      shared: createCollection(sharedQueryOptions(queryClient)),
    }
  }
  const database: BrowserWASQLiteDatabase = await openBrowserWASQLiteOPFSDatabase({
    databaseName: 'react-todo',
    worker: () => new PersistWorker(),
  })
  const persistence = createBrowserWASQLitePersistence({ database })
  return {
    database,
    todos: createCollection(
      persistedCollectionOptions<Todo, string>({ id: 'todos', getKey: (todo) => todo.id, persistence }),
    ),
    shared: createCollection(
      persistedCollectionOptions({ ...sharedQueryOptions(queryClient), id: 'shared-todos', persistence }),
    ),
  }
}

export type TodoCollections = Awaited<ReturnType<typeof openCollections>>
