import { SchemaVersionMismatchError, MigrationFailedError } from './errors'
import { lastInsertRowid, logChange } from './change-log'
import { createRowsTableSql, rowsTable } from './schema'
import { driverLimits, query, run, type StorageOp } from './runner'
import { placeholders, rowSteps, rowsPerStatement } from './batch-sql'
import type { SQLiteValue } from './driver'
import type { StoredKey } from './codec'

/**
 * Storage operations for one collection: registry, version handling,
 * hydration, the write batch and the change log. Values arrive here already
 * encoded; this file only speaks SQL.
 */
export type CollectionKind = 'local' | 'synced'

export interface CollectionRecord {
  readonly num: number
  readonly table: string
  /** True when this open created the collection (and wrote its initialData). */
  readonly created: boolean
  /** True when this open dropped rows and metadata (schema bump or a previous failed write). */
  readonly reset: boolean
}

export interface StoredRow {
  readonly key: SQLiteValue
  readonly value: string | null
  readonly meta: string | null
}

/** Sentinel: leave a row's metadata as it is. */
// Symbol.for: one identity across bundled copies of core (the /remote entry's CommonJS build holds its own).
export const KEEP_META: unique symbol = Symbol.for('@persistdb/core:keep-meta')

export interface RowWrite {
  readonly key: StoredKey
  /** Encoded row, or null when the row no longer exists. */
  readonly value: string | null
  /** Encoded metadata, null to clear it, KEEP_META to leave it. */
  readonly meta: string | null | typeof KEEP_META
}

export interface CommitBatch {
  readonly truncate: boolean
  readonly rows: readonly RowWrite[]
  /** Collection metadata: encoded value, or null to delete the key. */
  readonly collectionMeta: ReadonlyArray<readonly [string, string | null]>
}

export interface MigrateRows {
  readonly from: number
  readonly to: number
  /** Returns the new encoded value, or null to delete the row. Throws if the row's key would change. */
  readonly transform: (encodedValue: string, storedKey: SQLiteValue) => string | null
}

interface RegistryRow {
  num: number
  schemaVersion: number
  resyncRequired: boolean
}

export function* findCollection(name: string): StorageOp<RegistryRow | undefined> {
  const rows = yield* query(
    `SELECT id, schema_version, resync_required FROM persistdb_collections WHERE name = ?`,
    [name],
  )
  const row = rows[0]
  if (!row) return undefined
  return {
    num: Number(row.id),
    schemaVersion: Number(row.schema_version),
    resyncRequired: Number(row.resync_required) === 1,
  }
}

/** True when opening needs no write: the collection exists, versions match, nothing to reset. */
export function isOpenReadOnly(found: RegistryRow | undefined, schemaVersion: number): found is RegistryRow {
  return found !== undefined && found.schemaVersion === schemaVersion && !found.resyncRequired
}

/**
 * Creates, resets or migrates a collection. Runs inside a write transaction
 * (re-reading the registry there, since another writer may have got first).
 */
export function* openCollection(
  name: string,
  kind: CollectionKind,
  schemaVersion: number,
  writer: string,
  migrateRows: ((from: number) => MigrateRows | undefined) | undefined,
  initialRows?: () => readonly RowWrite[],
): StorageOp<CollectionRecord> {
  const found = yield* findCollection(name)
  if (!found) {
    yield run(
      `INSERT INTO persistdb_collections (name, schema_version, kind, created_at) VALUES (?, ?, ?, ?)`,
      [name, schemaVersion, kind, Date.now()],
    )
    const num = yield* lastInsertRowid()
    const table = rowsTable(num)
    yield run(createRowsTableSql(num))
    yield* markPlainTypes(num)
    // initialData lands in the creating transaction: a collection never
    // exists on disk without it, whatever fails or crashes in between.
    const rows = initialRows?.() ?? []
    if (rows.length > 0) yield* writeBatch(num, table, { truncate: false, rows, collectionMeta: [] }, writer)
    return { num, table, created: true, reset: false }
  }
  const { num } = found
  const table = rowsTable(num)
  yield run(createRowsTableSql(num))
  if (found.schemaVersion === schemaVersion && !found.resyncRequired) {
    return { num, table, created: false, reset: false }
  }
  if (kind === 'synced') {
    // Rows and the source's resume metadata go together, atomically: the
    // source must resync in full, never resume "up to date" over no rows.
    yield* clearCollection(num, writer)
    yield run(
      `UPDATE persistdb_collections SET schema_version = ?, kind = ?, resync_required = 0 WHERE id = ?`,
      [schemaVersion, kind, num],
    )
    return { num, table, created: false, reset: true }
  }
  if (found.resyncRequired && found.schemaVersion === schemaVersion) {
    yield run(`UPDATE persistdb_collections SET resync_required = 0 WHERE id = ?`, [num])
    return { num, table, created: false, reset: false }
  }
  const plan = found.schemaVersion < schemaVersion ? migrateRows?.(found.schemaVersion) : undefined
  if (!plan) throw new SchemaVersionMismatchError(name, found.schemaVersion, schemaVersion)
  try {
    yield* migrateCollectionRows(num, table, plan)
  } catch (error) {
    throw new MigrationFailedError(name, found.schemaVersion, schemaVersion, error)
  }
  yield run(`UPDATE persistdb_collections SET schema_version = ? WHERE id = ?`, [schemaVersion, num])
  yield logChange(num, writer, null)
  return { num, table, created: false, reset: true }
}

function* migrateCollectionRows(num: number, table: string, plan: MigrateRows): StorageOp<void> {
  const rows = yield* query(`SELECT key, value FROM ${table} WHERE value IS NOT NULL`)
  let unknown = false
  for (const row of rows) {
    const next = plan.transform(String(row.value), row.key ?? null)
    if (next === null) yield run(`DELETE FROM ${table} WHERE key = ?`, [row.key ?? null])
    else yield run(`UPDATE ${table} SET value = ? WHERE key = ?`, [next, row.key ?? null])
    unknown ||= next !== null && mayReadAsUnknown(next)
  }
  if (unknown) yield run(`DELETE FROM persistdb_meta WHERE key = ?`, [plainTypesKey(num)])
}

/**
 * The query compiler maps each stored value to a typed canonical value; a row holding an escaped object
 * (a user object owning "$pdb") or a bigint of 19+ digits reads as "unknown" and has to be over-fetched by
 * every query. persistdb_meta `plain_types:<n>` records that collection n holds no such row, so queries
 * skip that probe. Set when the collection is created or emptied, removed by the first such write, never
 * set again (a file written before this marker existed simply has none).
 */
export function plainTypesKey(num: number): string {
  return `plain_types:${num}`
}

const UNKNOWN_RISK = /"\$pdb":"o"|"\$pdb":"n","v":"-?\d{19}/

export function mayReadAsUnknown(encoded: string): boolean {
  return encoded.includes('"$pdb"') && UNKNOWN_RISK.test(encoded)
}

function* markPlainTypes(num: number): StorageOp<void> {
  yield run(`INSERT OR REPLACE INTO persistdb_meta (key, value) VALUES (?, '1')`, [plainTypesKey(num)])
}

export function* hasPlainTypes(num: number): StorageOp<boolean> {
  return (
    (yield* query(`SELECT 1 AS known FROM persistdb_meta WHERE key = ?`, [plainTypesKey(num)])).length > 0
  )
}

export function* clearCollection(num: number, writer: string): StorageOp<void> {
  yield run(`DELETE FROM ${rowsTable(num)}`)
  yield* markPlainTypes(num)
  yield run(`DELETE FROM persistdb_collection_meta WHERE collection = ?`, [num])
  yield logChange(num, writer, null)
}

export function* dropCollection(name: string, writer: string): StorageOp<boolean> {
  const found = yield* findCollection(name)
  if (!found) return false
  yield run(`DROP TABLE IF EXISTS ${rowsTable(found.num)}`)
  yield run(`DELETE FROM persistdb_collection_meta WHERE collection = ?`, [found.num])
  yield run(`DELETE FROM persistdb_collections WHERE id = ?`, [found.num])
  yield run(`DELETE FROM persistdb_meta WHERE key = ?`, [plainTypesKey(found.num)])
  yield logChange(found.num, writer, null)
  return true
}

/** Marks a collection so its next open resets it (after a failed synced write). */
export function* requireResync(num: number): StorageOp<void> {
  yield run(`UPDATE persistdb_collections SET resync_required = 1 WHERE id = ?`, [num])
}

export function* loadRows(table: string): StorageOp<readonly StoredRow[]> {
  return (yield* query(`SELECT key, value, meta FROM ${table}`)) as unknown as readonly StoredRow[]
}

/** Rows that carry row metadata (what sync adapters record ownership in). */
export function* loadRowsWithMeta(table: string): StorageOp<readonly StoredRow[]> {
  return (yield* query(
    `SELECT key, value, meta FROM ${table} WHERE meta IS NOT NULL AND value IS NOT NULL`,
  )) as unknown as readonly StoredRow[]
}

export function* loadKeys(table: string, keys: readonly StoredKey[]): StorageOp<readonly StoredRow[]> {
  const out: StoredRow[] = []
  const size = yield* rowsPerStatement(1)
  for (let i = 0; i < keys.length; i += size) {
    const chunk = keys.slice(i, i + size)
    const rows = yield* query(
      `SELECT key, value, meta FROM ${table} WHERE key IN (${placeholders(chunk.length)})`,
      chunk,
    )
    out.push(...(rows as unknown as readonly StoredRow[]))
  }
  return out
}

export function* loadCollectionMeta(num: number): StorageOp<ReadonlyArray<readonly [string, string]>> {
  const rows = yield* query(`SELECT key, value FROM persistdb_collection_meta WHERE collection = ?`, [num])
  return rows.map((r) => [String(r.key), String(r.value)] as const)
}

/**
 * Writes one committed transaction and its change-log entry. Rows are grouped
 * by statement shape and written with multi-row statements (batch-sql.ts); no
 * read before write. The entry's position is not read back (`loggedSeq()`
 * does, for the callers that need it).
 */
export function* writeBatch(num: number, table: string, batch: CommitBatch, writer: string): StorageOp<void> {
  if (batch.truncate) yield run(`DELETE FROM ${table}`)
  const withMeta: SQLiteValue[] = []
  const valueOnly: SQLiteValue[] = []
  const deletes: SQLiteValue[] = []
  const keys: StoredKey[] = []
  let unknown = false
  for (const row of batch.rows) {
    keys.push(row.key)
    unknown ||= row.value !== null && mayReadAsUnknown(row.value)
    if (row.value === null && (row.meta === null || row.meta === KEEP_META)) deletes.push(row.key)
    else if (row.meta === KEEP_META) valueOnly.push(row.key, row.value)
    else withMeta.push(row.key, row.value, row.meta)
  }
  if (keys.length > 0) {
    const { maxParameters } = yield* driverLimits()
    for (const step of rowSteps(table, maxParameters, withMeta, valueOnly, deletes)) yield step
  }
  if (unknown) yield run(`DELETE FROM persistdb_meta WHERE key = ?`, [plainTypesKey(num)])
  for (const [key, value] of batch.collectionMeta) {
    if (value === null)
      yield run(`DELETE FROM persistdb_collection_meta WHERE collection = ? AND key = ?`, [num, key])
    else
      yield run(
        `INSERT INTO persistdb_collection_meta (collection, key, value) VALUES (?, ?, ?) ` +
          `ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value`,
        [num, key, value],
      )
  }
  yield logChange(num, writer, batch.truncate ? null : keys)
}
