/** The coordinator's options, what it reports, and checks of both. */
import { InvalidOptionsError } from '@persistdb/core'

export interface BrowserCoordinatorOptions {
  databaseName: string
  /**
   * Starts this tab's worker. Default: `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`,
   * which bundlers that understand that pattern resolve. With Vite:
   * `import PersistWorker from '@persistdb/browser/worker?worker'` and `worker: () => new PersistWorker()`.
   */
  worker?: () => Worker
  /** URL of `wa-sqlite.wasm` when the bundler does not serve it next to the worker. */
  wasmUrl?: string
  /**
   * `'indexeddb'`: where OPFS sync access handles are missing, store the database in IndexedDB
   * (wa-sqlite's IDBBatchAtomicVFS, Asyncify build; slower) instead of failing. Same multi-tab protocol.
   */
  fallback?: 'indexeddb'
  /** URL of `wa-sqlite-async.wasm` (the IndexedDB fallback's build) when not served next to its module. */
  asyncWasmUrl?: string
  /**
   * With no leader announced, requests fail with LeaderUnavailableError after this long (when no tab holds
   * the leader lock) — fail fast instead of hanging. Default 1500 ms.
   */
  leaderTimeoutMs?: number
  /** A leader that holds the lock but is still opening the file is waited for this long. Default 15 000 ms. */
  openTimeoutMs?: number
  /** An unanswered request is checked (leader alive? resend if safe) after this long. Default 1000 ms. */
  rpcTimeoutMs?: number
  /** The leader checks an idle open transaction's tab after this long. Default 1000 ms. */
  txIdleMs?: number
  /** Test-only: the worker obeys hook announcements (slow answers, crashes). */
  testHooks?: boolean
}

export interface LeaderInfo {
  term: number
  leaderId: string
  /** True when this tab's own worker leads. */
  isLeader: boolean
}

export interface CoordinatorStats {
  requests: number
  /** Requests sent again after rpcTimeoutMs without an answer (only dedupe-safe ones). */
  resends: number
  /** Liveness checks made because an answer was late. */
  timeouts: number
  /** Requests abandoned because their leader went away. */
  leaderLost: number
  leaderChanges: number
  /** Rows received in answers (a full reload shows up here; an incremental catch-up reads only changed keys). */
  rowsReceived: number
  /** Workers started to replace this tab's dead worker. */
  workerRestarts: number
  /** Requests this tab sent straight to its own worker while it led (no BroadcastChannel hop). */
  viaOwnWorker: number
}

export function newStats(): CoordinatorStats {
  return {
    requests: 0,
    resends: 0,
    timeouts: 0,
    leaderLost: 0,
    leaderChanges: 0,
    rowsReceived: 0,
    workerRestarts: 0,
    viaOwnWorker: 0,
  }
}

export function checkDatabaseName(databaseName: unknown): string {
  if (typeof databaseName !== 'string' || !/^[\w.-]{1,128}$/.test(databaseName)) {
    throw new InvalidOptionsError(
      'databaseName must be 1-128 characters of letters, digits, "_", "-" or "." (it names the OPFS file).',
    )
  }
  return databaseName
}

export function defaultWorker(db: string): Worker {
  // Literal `new Worker(new URL('./worker.js', import.meta.url))`: the pattern bundlers look for.
  if (!(import.meta.url as string | undefined)) {
    throw new InvalidOptionsError(
      "Pass `worker: () => new Worker(...)` (the CommonJS build cannot locate @persistdb/browser's worker.js).",
    )
  }
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `persistdb:${db}` })
}

export function missingFeature(): string | undefined {
  const g = globalThis as { Worker?: unknown; BroadcastChannel?: unknown; navigator?: { locks?: unknown } }
  if (typeof g.Worker !== 'function') return 'Web Workers are missing'
  if (typeof g.BroadcastChannel !== 'function') return 'BroadcastChannel is missing'
  if (!g.navigator?.locks) return 'Web Locks (navigator.locks) are missing (is this a secure context?)'
  return undefined
}

export function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionsError(`${name} must be a finite number > 0 (got ${String(value)}).`)
  }
  return value
}
