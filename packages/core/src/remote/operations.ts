import type { StoredKey } from '../codec'
import type { SQLiteValue } from '../driver'
import type { ErrorEnvelope } from './envelope'
import type { WireExpression, WireSubsetRequest } from './wire-query'

/**
 * The wire form of PersistDB's named operations (backend.ts) between a
 * remote persistence (client.ts) and the process that owns the file
 * (server.ts): plain structured-clone data, no class instances, no
 * functions, no SQL. The server validates every request (validate.ts)
 * before it touches the file.
 */

/**
 * The version of these messages; the server refuses any other. Bump on an incompatible change.
 * 2: subscriptions and change notices name the subscribing client (several in one peer).
 */
export const OPERATIONS_PROTOCOL = 2

/** One row of a commit: key, encoded value (null: no row), encoded metadata (null: none; `keep`: unchanged). */
export type WireRow = readonly [key: StoredKey, value: string | null, meta: string | null | { keep: true }]

export interface WireBatch {
  readonly truncate: boolean
  readonly rows: readonly WireRow[]
  /** Collection metadata: encoded value, or null to delete the key. */
  readonly collectionMeta: ReadonlyArray<readonly [string, string | null]>
}

export type OperationBody =
  | { readonly op: 'ready' }
  | {
      readonly op: 'open'
      readonly name: string
      readonly kind: 'local' | 'synced'
      readonly schemaVersion: number
      readonly writerId: string
      /** Encoded initialData: written only when this open creates the collection. */
      readonly initialRows: readonly WireRow[]
    }
  | { readonly op: 'snapshot'; readonly collection: number; readonly withRows: boolean }
  | { readonly op: 'rows'; readonly collection: number; readonly keys: readonly StoredKey[] | null }
  | { readonly op: 'scan'; readonly collection: number; readonly metadataOnly: boolean }
  | { readonly op: 'subset'; readonly collection: number; readonly request: WireSubsetRequest }
  | { readonly op: 'ensureIndex'; readonly collection: number; readonly expression: WireExpression }
  | { readonly op: 'dropIndex'; readonly collection: number; readonly expression: WireExpression }
  | {
      readonly op: 'commit'
      readonly collection: number
      /** Idempotency id: a resend carries the same one and is applied at most once. */
      readonly txId: string
      readonly writerId: string
      readonly batch: WireBatch
    }
  | { readonly op: 'requireResync'; readonly collection: number }
  | { readonly op: 'drop'; readonly name: string }
  /**
   * Change notices for this collection from change-log position `fromSeq` on, for `client` (a remote
   * persistence's id: one peer, e.g. a window, may hold several, each subscribed on its own).
   */
  | {
      readonly op: 'subscribe'
      readonly collection: number
      readonly fromSeq: number
      readonly client: string
    }
  | { readonly op: 'unsubscribe'; readonly collection: number; readonly client: string }

export type OperationName = OperationBody['op']

export type OperationRequest = OperationBody & { readonly v: number }

/** What each operation answers with (plain data). */
export interface OperationResults {
  ready: null
  open: { num: number; created: boolean; reset: boolean }
  snapshot: { seq: number; rows: readonly WireStoredRow[]; meta: ReadonlyArray<readonly [string, string]> }
  rows: readonly WireStoredRow[]
  scan: readonly WireStoredRow[]
  subset: { rows: readonly WireStoredRow[]; covered: readonly SQLiteValue[] | 'all' }
  ensureIndex: null
  dropIndex: null
  /** `duplicate`: this txId was applied before; nothing was written now. */
  commit: { seq: number; duplicate: boolean }
  requireResync: null
  drop: boolean
  subscribe: null
  unsubscribe: null
}

export type WireStoredRow = readonly [key: SQLiteValue, value: string | null, meta: string | null]

export type OperationResponse =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ErrorEnvelope }

/** Pushed by the server to every subscribed peer: other writers' commits, incrementally. */
export type OperationNotice =
  | {
      readonly kind: 'changes'
      /** The subscribing client (the peer's other clients ignore it). */
      readonly client: string
      readonly collection: number
      readonly entries: ReadonlyArray<{ seq: number; writer: string; keys: readonly StoredKey[] | null }>
    }
  /** Entries were pruned before they could be sent: reload the collection. */
  | { readonly kind: 'reload'; readonly client: string; readonly collection: number }
  /** The server stopped for good (the file was replaced, or it was closed). */
  | { readonly kind: 'failed'; readonly error: ErrorEnvelope }
