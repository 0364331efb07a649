import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCollection } from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import type { SQLitePersistence } from '@persistdb/core'

export interface Todo {
  id: string
  title: string
  done?: boolean
  [key: string]: unknown
}

export function tempDir(prefix = 'persistdb-'): {
  dir: string
  file: (name?: string) => string
  cleanup: () => void
} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    file: (name = 'db.sqlite') => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export function openTodos(
  path: string,
  options: { id?: string; schemaVersion?: number; persistence?: SQLitePersistence } = {},
) {
  const persistence = options.persistence ?? createNodeSQLitePersistence({ path })
  const collection = createCollection(
    persistedCollectionOptions<Todo, string>({
      id: options.id ?? 'todos',
      getKey: (t) => t.id,
      persistence,
      schemaVersion: options.schemaVersion ?? 1,
    }),
  )
  return { collection, persistence }
}

export function sorted<T extends { id: string | number }>(rows: Iterable<T>): T[] {
  return [...rows].sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0))
}

const VIRTUAL = new Set(['$synced', '$origin', '$key', '$collectionId', '$hasPendingWrites'])

/** A collection's rows without TanStack DB's virtual `$` props, sorted by id. */
export function rowsOf<T extends object>(collection: { toArray: T[] }): T[] {
  const rows = collection.toArray.map((row) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(row)) if (!VIRTUAL.has(k)) out[k] = v
    return out as T
  })
  return sorted(rows as Array<T & { id: string | number }>)
}
