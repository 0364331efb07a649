/**
 * Runs in Chromium: bare browser drivers (no persistence on top), driven
 * statement by statement from Node through `window.pdbDrivers` (page.ts
 * installs it; see page-driver-client.ts). A transaction stays open across calls: its body
 * parks here, keeping its executor by id, until Node says commit or rollback.
 */
import {
  openBrowserWASQLiteOPFSDatabase,
  type BrowserWASQLiteDatabase,
  type SQLiteExecutor,
  type SQLiteLimits,
  type SQLiteStatement,
  type SQLiteValue,
} from '../../src'
import { toEnvelope, type ErrorEnvelope } from '@persistdb/core/remote'

/** Errors cross to Node as the protocol's envelopes, so they revive there as the same classes. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorEnvelope }

interface OpenTx {
  executor: SQLiteExecutor
  finish(commit: boolean): void
  outcome(): Promise<Result<void>>
}

const databases = new Map<number, BrowserWASQLiteDatabase>()
const transactions = new Map<number, OpenTx>()
let nextId = 1

/** What a transaction body throws when Node asks for a rollback. */
const ROLLBACK = new Error('rolled back from Node')

async function attempt<T>(work: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    return { ok: false, error: toEnvelope(error) }
  }
}

/** Resolves once this tab's own worker leads `db` (a new database: the first tab to open it). */
function leading(db: BrowserWASQLiteDatabase): Promise<void> {
  return new Promise((resolve) => {
    if (db.coordinator.isLeader()) return resolve()
    const stop = db.coordinator.onLeaderChange((info) => {
      if (!info?.isLeader) return
      stop()
      resolve()
    })
  })
}

function database(handle: number): BrowserWASQLiteDatabase {
  const found = databases.get(handle)
  if (!found) throw new Error(`no open database ${handle} in this tab`)
  return found
}

function transaction(id: number): OpenTx {
  const found = transactions.get(id)
  if (!found) throw new Error(`no open transaction ${id} in this tab`)
  return found
}

export const pageDriversApi = {
  /**
   * Opens `databaseName` in this tab; `lead`: resolves once this tab's worker leads it; `indexeddb`: as in a
   * browser without OPFS sync access handles, with the IndexedDB fallback (wa-sqlite's Asyncify build).
   */
  open: (databaseName: string, options: { lead?: boolean; indexeddb?: boolean } = {}) =>
    attempt(async () => {
      const db = await openBrowserWASQLiteOPFSDatabase({
        databaseName,
        worker: () => new Worker(options.indexeddb ? '/worker-no-opfs.js' : '/worker.js', { type: 'module' }),
        wasmUrl: '/wa-sqlite.wasm',
        asyncWasmUrl: '/wa-sqlite-async.wasm',
        ...(options.indexeddb ? { fallback: 'indexeddb' as const } : {}),
      })
      if (options.indexeddb) {
        await db.coordinator.started
        if (db.coordinator.storage !== 'indexeddb') throw new Error(`${databaseName} is not in IndexedDB`)
      }
      if (options.lead) await leading(db)
      const handle = nextId++
      databases.set(handle, db)
      const { limits, isolation } = db.driver
      return { handle, limits: { ...limits } as Partial<SQLiteLimits>, isolation }
    }),

  isLeader: (handle: number) => database(handle).coordinator.isLeader(),

  /** Requests this tab has sent to a leader so far (a request counted here is on its way). */
  requestsSent: (handle: number) => database(handle).coordinator.stats.requests,

  all: (handle: number, sql: string, params: SQLiteValue[]) =>
    attempt(() => database(handle).driver.all(sql, params)),

  run: (handle: number, sql: string, params: SQLiteValue[]) =>
    attempt(() => database(handle).driver.run(sql, params)),

  /** Starts a transaction and answers with its id once its body holds an executor. */
  begin: (handle: number) =>
    new Promise<Result<number>>((resolve) => {
      const id = nextId++
      let finish!: (commit: boolean) => void
      const decided = new Promise<boolean>((r) => (finish = r))
      let started = false
      // The body runs synchronously inside transaction(), before `outcome` is assigned: it keeps a getter.
      const settled = () => outcome
      const outcome = attempt(() =>
        database(handle).driver.transaction(async (executor) => {
          // The browser driver reruns a body whose attempt its leader lost; Node's body cannot be replayed.
          if (started) throw new Error('the transaction attempt was lost; the Node-side body cannot rerun')
          started = true
          transactions.set(id, { executor, finish, outcome: settled })
          resolve({ ok: true, value: id })
          if (!(await decided)) throw ROLLBACK
        }),
      )
      void outcome.then((result) => {
        if (!started && !result.ok) resolve(result)
      })
    }),

  txAll: (id: number, sql: string, params: SQLiteValue[]) =>
    attempt(() => transaction(id).executor.all(sql, params)),

  txRun: (id: number, sql: string, params: SQLiteValue[]) =>
    attempt(async () => {
      await transaction(id).executor.run(sql, params)
    }),

  txRunBatch: (id: number, statements: SQLiteStatement[]) =>
    attempt(async () => {
      const { executor } = transaction(id)
      if (!executor.runBatch) throw new Error('this driver offers no runBatch')
      await executor.runBatch(statements)
    }),

  /** Ends a transaction: commit (answers with the commit's outcome) or roll back. */
  end: async (id: number, commit: boolean): Promise<Result<void>> => {
    const tx = transaction(id)
    transactions.delete(id)
    tx.finish(commit)
    const result = await tx.outcome()
    if (!commit && !result.ok && result.error.message === ROLLBACK.message)
      return { ok: true, value: undefined }
    return result
  },

  close: (handle: number) =>
    attempt(async () => {
      await database(handle).close()
      databases.delete(handle)
    }),
}

export type PageDriversApi = typeof pageDriversApi
