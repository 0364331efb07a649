import type { SQLiteValue } from './driver'
import { query, type StorageOp } from './runner'
import { rowsTable } from './schema'
import type { CollectionKind } from './store'

/**
 * Read-only listings of what a file holds, for tools (`@persistdb/core/inspect`). Everything is read
 * from the registry and sqlite_master; nothing here writes or takes the write lock.
 */
export interface CollectionEntry {
  readonly num: number
  readonly name: string
  /** As stored: `local` or `synced` unless the file is damaged. */
  readonly kind: CollectionKind | string
  readonly schemaVersion: number
  readonly resyncRequired: boolean
  readonly table: string
}

export function* listCollections(): StorageOp<readonly CollectionEntry[]> {
  const rows = yield* query(
    `SELECT id, name, kind, schema_version, resync_required FROM persistdb_collections ORDER BY name`,
  )
  return rows.map((r) => ({
    num: Number(r.id),
    name: String(r.name),
    kind: String(r.kind),
    schemaVersion: Number(r.schema_version),
    resyncRequired: Number(r.resync_required) === 1,
    table: rowsTable(Number(r.id)),
  }))
}

export interface SchemaObject {
  readonly type: string
  readonly name: string
  /** Table the object belongs to (for indexes). */
  readonly table: string
  readonly sql: string | null
}

/** PersistDB's own tables and indexes (`persistdb_` prefix); the app's objects in the same file are left out. */
export function* listPersistdbObjects(): StorageOp<readonly SchemaObject[]> {
  const rows = yield* query(
    `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name LIKE 'persistdb\\_%' ESCAPE '\\' ORDER BY name`,
  )
  return rows.map((r) => ({
    type: String(r.type),
    name: String(r.name),
    table: String(r.tbl_name),
    sql: r.sql === null ? null : String(r.sql),
  }))
}

/** The collection number and kind of object a PersistDB table or index name stands for. */
export function parseObjectName(
  name: string,
): { readonly num: number; readonly part: 'rows' | 'index' } | undefined {
  const match = /^persistdb_c(\d+)_(rows|ix_[0-9a-f]{16})$/.exec(name)
  if (!match) return undefined
  return { num: Number(match[1]), part: match[2] === 'rows' ? 'rows' : 'index' }
}

export interface WriterSummary {
  /** A persistence's id (each sync run's `<id>:<n>` is counted under it). */
  readonly writer: string
  readonly entries: number
  readonly lastAt: number
}

export interface ChangeLogSummary {
  readonly entries: number
  readonly firstSeq: number | null
  readonly lastSeq: number | null
  readonly writers: readonly WriterSummary[]
}

export function* summarizeChangeLog(): StorageOp<ChangeLogSummary> {
  const head = (yield* query(
    `SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM persistdb_changes`,
  ))[0]
  const writers = yield* query(
    `SELECT writer, count(*) AS n, max(at) AS last FROM persistdb_changes GROUP BY writer ORDER BY last`,
  )
  const byPersistence = new Map<string, { entries: number; lastAt: number }>()
  for (const w of writers) {
    const id = String(w.writer).replace(/:\d+$/, '')
    const seen = byPersistence.get(id) ?? { entries: 0, lastAt: 0 }
    seen.entries += Number(w.n)
    seen.lastAt = Math.max(seen.lastAt, Number(w.last))
    byPersistence.set(id, seen)
  }
  return {
    entries: Number(head?.n ?? 0),
    firstSeq: nullableNumber(head?.lo),
    lastSeq: nullableNumber(head?.hi),
    writers: [...byPersistence].map(([writer, s]) => ({ writer, ...s })),
  }
}

function nullableNumber(value: SQLiteValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}
