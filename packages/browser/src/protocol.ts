/**
 * Messages between tabs and the leader. Three BroadcastChannels per database:
 *
 * - `persistdb:<db>`            announcements: leader elected, commit notices, "who leads?"
 * - `persistdb:<db>:inbox`      requests from any tab; only the leader listens
 * - `persistdb:<db>:client:<id>` answers to one tab (big result sets reach only the asker)
 *
 * Messages are plain structured-clone data on the shared remote protocol
 * (`@persistdb/core/remote`): its request base (id, client, version), answers
 * with error envelopes (class and `code` would not survive the boundary) and
 * change notices. What a tab's request carries is SQL: tabs of one origin are
 * one trust domain.
 */
import type { SQLiteRow, SQLiteValue } from '@persistdb/core'
import type { ChangeNotice, ErrorEnvelope, RemoteRequestBase, RemoteResponse } from '@persistdb/core/remote'

export type { ErrorEnvelope } from '@persistdb/core/remote'
export { randomId } from '@persistdb/core/remote'

/**
 * The version of these messages. Tabs of one origin may run different
 * PersistDB builds (a stale tab after a deploy): a leader refuses requests of
 * another version and a tab refuses a leader of another version, each with
 * TabProtocolMismatchError, instead of misreading each other. Builds before
 * versioning send no version (read as 1). Bump on any incompatible change.
 */
export const TAB_PROTOCOL = 3

export const announceChannel = (db: string) => `persistdb:${db}`
export const inboxChannel = (db: string) => `persistdb:${db}:inbox`
export const clientChannel = (db: string, clientId: string) => `persistdb:${db}:client:${clientId}`
export const leaderLock = (db: string) => `persistdb:${db}:leader`
export const tabLock = (db: string, clientId: string) => `persistdb:${db}:tab:${clientId}`
/** Held by one tab's worker while it lives; `generation` counts the tab's workers (a dead one is replaced). */
export const workerLock = (db: string, clientId: string, generation: number) =>
  `persistdb:${db}:worker:${clientId}:${generation}`

export type Announcement =
  /** `protocol`: the leader's TAB_PROTOCOL (absent from builds before versioning). */
  | { t: 'leader'; term: number; leaderId: string; protocol?: number }
  | ChangeNotice
  | { t: 'who' }
  /** Test hooks; the worker obeys them only when started with `testHooks: true`. */
  | { t: 'hook'; hook: LeaderHook }

export type LeaderHook =
  /** Commit, then answer only after `ms` (a slow answer the client retries). */
  | { kind: 'delay-commit-answer'; ms: number; count: number }
  /** Commit, then crash the leader's worker without answering. */
  | { kind: 'crash-after-commit' }

/** `v`: the sender's TAB_PROTOCOL. */
type Base = RemoteRequestBase

export interface Statement {
  sql: string
  params: readonly SQLiteValue[]
}

export type Request =
  | (Base & { t: 'all'; sql: string; params: readonly SQLiteValue[] })
  /**
   * One step of a transaction attempt: optionally open it (`begin`: queued FIFO behind other tabs'
   * transactions; answered `applied` when txId already committed, nothing else done), run `stmts` (numbered
   * `from`, `from + 1`, … within the attempt), optionally commit. Statements whose results the body does not
   * need are batched into the next step, so a small write transaction is one or two round trips.
   */
  | (Base & {
      t: 'tx'
      txId: string
      attempt: string
      begin: boolean
      from: number
      stmts: readonly Statement[]
      commit: boolean
    })
  | (Base & { t: 'rollback'; txId: string; attempt: string })
  /**
   * VACUUM (then an emptied WAL), run by the leader outside any transaction, queued FIFO like a `begin`: no
   * other tab's statement runs meanwhile. Its own kind (since protocol 3) so that no SQL ever runs outside
   * the fenced transactions but reads; never resent (a second VACUUM would only cost time).
   */
  | (Base & { t: 'vacuum' })

export type Response = RemoteResponse<{ rows?: readonly SQLiteRow[]; applied?: boolean }>

/** Worker → its own tab (postMessage). */
export type WorkerEvent =
  /** The leader's answer to its own tab's request (no BroadcastChannel hop). */
  | { t: 'response'; response: Response }
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
      /** The worker holds this Web Lock for its life (see workerLock). */
      workerLock: string
      /** The tab's client id: the leader answers its own tab's requests by postMessage. */
      clientId: string
    }
  | { t: 'close' }
  /** A request from this worker's tab: served directly while this worker leads, else forwarded to the inbox. */
  | { t: 'request'; request: Request }
