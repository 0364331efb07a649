/**
 * Messages between tabs and the leader. Three BroadcastChannels per database:
 *
 * - `persistdb:<db>`            announcements: leader elected, commit notices, "who leads?"
 * - `persistdb:<db>:inbox`      requests from any tab; only the leader listens
 * - `persistdb:<db>:client:<id>` answers to one tab (big result sets reach only the asker)
 *
 * Messages are plain structured-clone data; errors travel as envelopes
 * (class and `code` would not survive the boundary).
 */
import type { SQLiteRow, SQLiteValue } from '@persistdb/core'

export const announceChannel = (db: string) => `persistdb:${db}`
export const inboxChannel = (db: string) => `persistdb:${db}:inbox`
export const clientChannel = (db: string, clientId: string) => `persistdb:${db}:client:${clientId}`
export const leaderLock = (db: string) => `persistdb:${db}:leader`
export const tabLock = (db: string, clientId: string) => `persistdb:${db}:tab:${clientId}`

export type Announcement =
  | { t: 'leader'; term: number; leaderId: string }
  | { t: 'changed'; term: number }
  | { t: 'who' }
  /** Test hooks; the worker obeys them only when started with `testHooks: true`. */
  | { t: 'hook'; hook: LeaderHook }

export type LeaderHook =
  /** Commit, then answer only after `ms` (a slow answer the client retries). */
  | { kind: 'delay-commit-answer'; ms: number; count: number }
  /** Commit, then crash the leader's worker without answering. */
  | { kind: 'crash-after-commit' }

interface Base {
  /** Request id, unique per client; a resend reuses it. */
  id: number
  client: string
}

export type Request =
  | (Base & { t: 'all'; sql: string; params: readonly SQLiteValue[] })
  | (Base & { t: 'begin'; txId: string; attempt: string })
  | (Base & {
      t: 'stmt'
      txId: string
      attempt: string
      n: number
      sql: string
      params: readonly SQLiteValue[]
    })
  | (Base & { t: 'commit'; txId: string; attempt: string })
  | (Base & { t: 'rollback'; txId: string; attempt: string })

export interface ErrorEnvelope {
  name: string
  message: string
  code?: string
  /** TX_UNKNOWN: the leader has no such open transaction (it was never begun here, or was rolled back). */
  kind?: 'TX_UNKNOWN' | 'FENCED' | 'SQL'
}

export type Response =
  | { id: number; term: number; ok: true; rows?: readonly SQLiteRow[]; applied?: boolean }
  | { id: number; term: number; ok: false; error: ErrorEnvelope }

/** Worker → its own tab (postMessage). */
export type WorkerEvent =
  /** `storage` is undefined when neither OPFS nor an allowed fallback is available. */
  | { t: 'started'; opfs: boolean; storage: 'opfs' | 'indexeddb' | undefined }
  | { t: 'leading'; term: number }
  | { t: 'open-failed'; error: ErrorEnvelope }
  | { t: 'closed' }
  | { t: 'log'; message: string }

/** Tab → its own worker. */
export type WorkerCommand =
  | {
      t: 'init'
      databaseName: string
      wasmUrl?: string
      asyncWasmUrl?: string
      fallback?: 'indexeddb'
      openTimeoutMs: number
      txIdleMs: number
      testHooks: boolean
    }
  | { t: 'close' }

export function envelope(error: unknown, kind: ErrorEnvelope['kind'] = 'SQL'): ErrorEnvelope {
  const e = error as { name?: unknown; message?: unknown; code?: unknown }
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string'
      ? { code: e.code }
      : typeof e?.code === 'number'
        ? { code: `SQLITE_${e.code}` }
        : {}),
    kind,
  }
}

export function randomId(): string {
  return crypto.randomUUID()
}
