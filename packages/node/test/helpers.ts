import { createNodeSQLitePersistence } from '../src'
import Database from 'better-sqlite3'
import { decodeKey, decodeValue, type SQLitePersistence } from '@persistdb/core'
import { todosCollection } from '../../core/test/support/todos'

// Shared with every runtime's open-time fault tests.
export { fileSha } from '../../core/test/support/fault-files'

export type { Todo } from '../../core/test/support/todos'
export { tempDir } from '../../core/test/support/temp-dir'

/** The `todos` collection on the file at `path` (or on `options.persistence`). */
export function openTodos(
  path: string,
  options: { id?: string; schemaVersion?: number; persistence?: SQLitePersistence } = {},
) {
  const persistence = options.persistence ?? createNodeSQLitePersistence({ path })
  return { collection: todosCollection(persistence, options), persistence }
}

export function sorted<T extends { id: string | number }>(rows: Iterable<T>): T[] {
  return [...rows].sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0))
}

/** TanStack DB's virtual row props, which are not part of the stored row. */
export const VIRTUAL_PROPS = new Set(['$synced', '$origin', '$key', '$collectionId', '$hasPendingWrites'])

/** A row without the virtual `$` props; own keys such as `__proto__` stay own keys. */
export function withoutVirtualProps<T = Record<string, unknown>>(row: object): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(row)) {
    if (!VIRTUAL_PROPS.has(k))
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return out as T
}

/** A collection's rows without TanStack DB's virtual `$` props, sorted by id. */
export function rowsOf<T extends object>(collection: { toArray: T[] }): T[] {
  return sorted(collection.toArray.map((row) => withoutVirtualProps<T & { id: string | number }>(row)))
}

/** In-memory rows by key (virtual props removed). */
export function memoryRowMap(collection: {
  toArray: object[]
}): Map<string | number, Record<string, unknown>> {
  return new Map(
    collection.toArray.map((row) => {
      const p = withoutVirtualProps(row)
      return [p.id as string | number, p]
    }),
  )
}

/** The quoted rows table of collection `name`, or undefined when it does not exist. */
export function rowsTableOf(db: Database.Database, name: string): string | undefined {
  const found = db.prepare('SELECT id FROM persistdb_collections WHERE name = ?').get(name) as
    { id: number } | undefined
  return found && `"persistdb_c${found.id}_rows"`
}

/** Decoded rows stored for collection `name` (keys decoded: 1 and "1" stay apart); empty when none. */
export function storedRowsIn(db: Database.Database, name: string): Map<string | number, unknown> {
  const table = rowsTableOf(db, name)
  if (!table) return new Map()
  const rows = db.prepare(`SELECT key, value FROM ${table} WHERE value IS NOT NULL`).all() as Array<{
    key: string | number
    value: string
  }>
  return new Map(rows.map((r) => [decodeKey(r.key), decodeValue(r.value)]))
}

/** Same, read through a separate raw connection to `file`. */
export function storedRows(file: string, name: string): Map<string | number, unknown> {
  const db = new Database(file)
  try {
    return storedRowsIn(db, name)
  } finally {
    db.close()
  }
}

/** Rows keyed by String(key), for toStrictEqual against object literals. */
export function byStringKey<V>(rows: Map<string | number, V>): Record<string, V> {
  const out: Record<string, V> = {}
  for (const [k, v] of rows) out[String(k)] = v
  return out
}

export async function closeHandle(handle: {
  collection: { cleanup: () => Promise<void> }
  persistence: SQLitePersistence
}): Promise<void> {
  await handle.collection.cleanup()
  await handle.persistence.close()
}

/**
 * Where `actual` first differs from `expected`, or undefined: numbers by Object.is (-0, NaN), Dates by time
 * (invalid equals invalid), bytes, Map/Set entries in order, exact own keys (`{a: undefined}` is not `{}`).
 */
export function exactDifference(expected: unknown, actual: unknown, path = '$'): string | undefined {
  if (typeof expected !== typeof actual) return `${path}: ${typeof expected} vs ${typeof actual}`
  if (typeof expected !== 'object' || expected === null || actual === null) {
    return Object.is(expected, actual) ? undefined : `${path}: ${String(expected)} vs ${String(actual)}`
  }
  const a = actual as object
  if (Object.getPrototypeOf(expected) !== Object.getPrototypeOf(a)) return `${path}: prototype differs`
  if (expected instanceof Date) {
    return Object.is(expected.getTime(), (a as Date).getTime()) ? undefined : `${path}: date differs`
  }
  if (expected instanceof Uint8Array) {
    const b = a as Uint8Array
    return expected.length === b.length && expected.every((x, i) => x === b[i])
      ? undefined
      : `${path}: bytes differ`
  }
  if (expected instanceof Map || expected instanceof Set) {
    return exactDifference(
      [...(expected as Map<unknown, unknown>).entries()],
      [...(a as Map<unknown, unknown>).entries()],
      `${path}<entries>`,
    )
  }
  if (Array.isArray(expected)) {
    const o = a as unknown[]
    if (expected.length !== o.length) return `${path}: length ${expected.length} vs ${o.length}`
    for (let i = 0; i < expected.length; i++) {
      const d = exactDifference(expected[i], o[i], `${path}[${i}]`)
      if (d) return d
    }
    return undefined
  }
  const e = expected as Record<string, unknown>
  const o = a as Record<string, unknown>
  const ke = Object.keys(e).sort()
  const ko = Object.keys(o).sort()
  if (JSON.stringify(ke) !== JSON.stringify(ko))
    return `${path}: keys ${JSON.stringify(ke)} vs ${JSON.stringify(ko)}`
  for (const k of ke) {
    const d = exactDifference(e[k], o[k], `${path}[${JSON.stringify(k)}]`)
    if (d) return d
  }
  return undefined
}
