import type { IR, LoadSubsetOptions } from '@tanstack/db'
import type { StoredKey } from './codec'
import type { MaybePromise } from './driver'
import type { PersistenceError } from './errors'
import type { SubsetAnswer, SubsetCompareOptions } from './query'
import type { CollectionKind, CollectionRecord, CommitBatch, MigrateRows, RowWrite, StoredRow } from './store'

/**
 * The operation-level seam between a collection and where its data lives.
 * Core's collection code (persisted-sync.ts and the files it drives) calls
 * only these named operations, never SQL: `SQLitePersistence` runs them on a
 * driver it owns, and a remote persistence (`@persistdb/core/remote`) sends
 * them as plain data to a process that owns the file and turns them into SQL
 * itself. Collections are addressed by the number `openCollection` returns.
 *
 * Every operation may answer synchronously (a sync driver: a write completes
 * inside the source's `commit()`) or with a promise.
 */
export interface PersistenceBackend {
  /** True when every operation answers synchronously. */
  readonly isSync: boolean
  /** A writer id for one sync run: its own commits carry it in the change log. */
  newWriterId(): string
  /** Brings storage up to date (idempotent). */
  ready(): MaybePromise<void>
  /** Finds, creates, resets or migrates a collection; see store.ts openCollection. */
  openCollection(request: OpenCollectionRequest): MaybePromise<CollectionRecord>
  /** The change-log head, then the rows (when `withRows`) and the collection's metadata. */
  readSnapshot(collection: number, withRows: boolean): MaybePromise<StoredSnapshot>
  /** Rows of these keys (null: every row) as stored. */
  readRows(collection: number, keys: readonly StoredKey[] | null): MaybePromise<readonly StoredRow[]>
  /** Every row with row metadata (`metadataOnly`) or every row (for sync adapters' ownership scans). */
  scanRows(collection: number, metadataOnly: boolean): MaybePromise<readonly StoredRow[]>
  /** A superset of the rows a loadSubset request needs (see query/subset-query.ts). */
  loadSubset(
    collection: number,
    request: LoadSubsetOptions,
    compare: SubsetCompareOptions | undefined,
  ): MaybePromise<SubsetAnswer>
  /** Keeps a SQLite index on this expression (no-op when SQLite cannot index it or it exists). */
  ensureIndex(collection: number, expression: IR.BasicExpression): MaybePromise<void>
  dropIndex(collection: number, expression: IR.BasicExpression): MaybePromise<void>
  /** Writes one committed transaction of the collection atomically. */
  commitBatch(collection: number, batch: CommitBatch, writerId: string): MaybePromise<unknown>
  /** Marks the collection so its next open resets it (after a failed synced write). */
  requireResync(collection: number): MaybePromise<void>
  /** Deletes a collection's rows, metadata and registry entry. */
  dropCollection(name: string): MaybePromise<boolean>
  /** Other writers' commits to a collection after `fromSeq`; returns an unsubscribe function. */
  subscribe(collection: number, fromSeq: number, listener: RemoteChangeListener): () => void
  /** Called once if the persistence stops for good; returns an unsubscribe function. */
  onFailure(listener: (error: PersistenceError) => void): () => void
  /** Counts `work` as pending until it settles: `close()` waits for it. */
  track<T>(work: Promise<T>): Promise<T>
  close(): MaybePromise<void>
}

export interface OpenCollectionRequest {
  readonly name: string
  readonly kind: CollectionKind
  readonly schemaVersion: number
  /** The opening run's writer id (a reset or migration is logged under it). */
  readonly writerId: string
  /** Local-only: how to bring rows stored at an older version up to date (local persistences only). */
  readonly migrate?: ((from: number) => MigrateRows | undefined) | undefined
  /** Encoded initialData, written only when this open creates the collection. */
  readonly initialRows?: (() => readonly RowWrite[]) | undefined
}

/** A collection's stored state as restore reads it (still encoded). */
export interface StoredSnapshot {
  /** Change-log head read before the rows: later commits are re-applied, never missed. */
  readonly seq: number
  readonly rows: readonly StoredRow[]
  readonly meta: ReadonlyArray<readonly [string, string]>
}

/** What a collection binding does with changes another writer committed. */
export interface RemoteChangeListener {
  /** The writer id this listener's own commits carry in the change log. */
  readonly writerId: string
  /** Keys to reload from disk, or null to reload the whole collection. */
  onRemoteChange(keys: readonly StoredKey[] | null): void
  /**
   * Optional: receives the change-log entries themselves (writer ids included) instead of
   * `onRemoteChange`; a gap in the log still arrives as `onRemoteChange(null)`. A server relaying
   * changes to remote clients uses it, since each client skips its own writer.
   */
  onEntries?(entries: readonly ChangeLogEntry[]): void
}

export interface ChangeLogEntry {
  readonly seq: number
  readonly writer: string
  /** Affected keys, or null when the whole collection must be reloaded. */
  readonly keys: readonly StoredKey[] | null
}
