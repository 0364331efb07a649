/**
 * The test page (runs in Chromium): real @tanstack/db collections over
 * @persistdb/browser, driven from the tests through `window.pdb`.
 */
import { createCollection, whenSyncAccepted, type Collection, type SyncConfig } from '@tanstack/db'
import {
  createBrowserWASQLitePersistence,
  exportDatabase,
  importDatabase,
  openBrowserWASQLiteOPFSDatabase,
  persistedCollectionOptions,
  TAB_PROTOCOL,
  type BrowserWASQLiteDatabase,
  type LeaderHook,
  type SQLitePersistence,
} from '../../src'
import { errorInfo } from './error-info'
import { pageDriversApi } from './page-drivers'

export interface Todo {
  id: string
  text: string
  by?: string
}

export interface OpenOptions {
  databaseName: string
  noOpfs?: boolean
  /** No OPFS, and IndexedDB transactions can be made to fail as on a full quota (worker-idb-quota.ts). */
  idbQuotaFaults?: boolean
  fallback?: 'indexeddb'
  leaderTimeoutMs?: number
  rpcTimeoutMs?: number
  openTimeoutMs?: number
  pollIntervalMs?: number
  /** Every worker after the first fails to load (a tab whose worker cannot be restarted). */
  brokenRespawn?: boolean
  /** Ask for persistent storage (navigator.storage.persist()). */
  persistentStorage?: boolean
}

export interface CollectionOptions {
  id?: string
  schemaVersion?: number
  /** Local-only migration that upper-cases `text`. */
  upperCaseMigration?: boolean
  /** A synced collection whose source delivers these rows once. */
  syncedRows?: Todo[]
}

/** One operation of a fake upstream transaction (see `push`). */
export type UpstreamOp = { type: 'insert' | 'update'; value: Todo } | { type: 'delete'; key: string }

type SyncParams = Parameters<SyncConfig<Todo, string>['sync']>[0]

type AnyCollection = Collection<Todo, string>

let database: BrowserWASQLiteDatabase | undefined
let persistence: SQLitePersistence | undefined
const collections = new Map<string, AnyCollection>()
const streams = new Map<string, ReturnType<typeof api.insertEach>>()
/** The sync params of each synced collection's source, so `push` can deliver upstream transactions. */
const upstreams = new Map<string, SyncParams>()
/** When (Date.now()) this tab learned of each leader. */
let workersStarted = 0
let txRequests = 0
const leaderLog: Array<{ at: number; term: number | undefined; isLeader: boolean }> = []

function collection(id = 'todos'): AnyCollection {
  const found = collections.get(id)
  if (!found) throw new Error(`collection ${id} is not open in this tab`)
  return found
}

/** Bytes as base64 (page.evaluate carries strings, not Blobs). */
async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

const api = {
  /** exportDatabase() of the open database, as base64. */
  async exportDatabase() {
    if (!database) throw new Error('open() first')
    try {
      return { ok: true as const, base64: await toBase64(await exportDatabase(database)) }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
  },

  /** importDatabase() of base64 bytes into `databaseName`. */
  async importDatabase(databaseName: string, base64: string) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    try {
      await importDatabase({ databaseName, file: new Blob([bytes]) })
      return { ok: true as const }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
  },

  /** Opens the database and persistence; returns how long until the database handle was usable. */
  async open(options: OpenOptions) {
    const started = performance.now()
    try {
      database = await openBrowserWASQLiteOPFSDatabase({
        databaseName: options.databaseName,
        worker: () =>
          new Worker(
            options.brokenRespawn && workersStarted++ > 0
              ? '/missing-worker.js'
              : options.idbQuotaFaults
                ? '/worker-idb-quota.js'
                : options.noOpfs
                  ? '/worker-no-opfs.js'
                  : '/worker.js',
            { type: 'module' },
          ),
        wasmUrl: '/wa-sqlite.wasm',
        asyncWasmUrl: '/wa-sqlite-async.wasm',
        ...(options.fallback ? { fallback: options.fallback } : {}),
        testHooks: true,
        ...(options.leaderTimeoutMs ? { leaderTimeoutMs: options.leaderTimeoutMs } : {}),
        ...(options.rpcTimeoutMs ? { rpcTimeoutMs: options.rpcTimeoutMs } : {}),
        ...(options.openTimeoutMs ? { openTimeoutMs: options.openTimeoutMs } : {}),
        ...(options.persistentStorage ? { persistentStorage: true } : {}),
      })
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
    // Counts the transaction requests (steps, rollbacks) this tab sends: reads (polls) are left out.
    const coordinator = database.coordinator
    const request = coordinator.request.bind(coordinator)
    coordinator.request = (body) => {
      if (body.t !== 'all') txRequests++
      return request(body)
    }
    database.coordinator.onLeaderChange((info) =>
      leaderLog.push({ at: Date.now(), term: info?.term, isLeader: info?.isLeader ?? false }),
    )
    persistence = createBrowserWASQLitePersistence({
      database,
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    })
    return {
      ok: true as const,
      ms: performance.now() - started,
      persistentStorage: database.persistentStorage,
    }
  },

  /** Opens a collection and waits until it is ready; returns the ms it took and its row count. */
  async openCollection(options: CollectionOptions = {}) {
    if (!persistence) throw new Error('open() first')
    const id = options.id ?? 'todos'
    const started = performance.now()
    const base = {
      id,
      getKey: (t: Todo) => t.id,
      persistence,
      ...(options.schemaVersion !== undefined ? { schemaVersion: options.schemaVersion } : {}),
    }
    let created: AnyCollection
    if (options.syncedRows) {
      const rows = options.syncedRows
      const source: SyncConfig<Todo, string> = {
        sync: (params) => {
          const { begin, write, commit, markReady } = params
          upstreams.set(id, params)
          begin()
          for (const value of rows) write({ type: 'insert', value })
          commit()
          markReady()
        },
      }
      created = createCollection(
        persistedCollectionOptions({ ...base, sync: source }),
      ) as unknown as AnyCollection
    } else {
      created = createCollection(
        persistedCollectionOptions<Todo, string>({
          ...base,
          ...(options.upperCaseMigration
            ? { migrate: (row: unknown) => ({ ...(row as Todo), text: (row as Todo).text.toUpperCase() }) }
            : {}),
        }),
      ) as unknown as AnyCollection
    }
    collections.set(id, created)
    try {
      await created.preload()
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
    return { ok: true as const, ms: performance.now() - started, size: created.size }
  },

  /**
   * A fake upstream delivers `transactions` to a synced collection's source, one sync transaction
   * each, waiting for each to be accepted (durable) as a real source would before the next.
   */
  async push(transactions: UpstreamOp[][], id?: string) {
    const params = upstreams.get(id ?? 'todos')
    if (!params) throw new Error(`no synced source for ${id ?? 'todos'} in this tab`)
    let committed = 0
    try {
      for (const ops of transactions) {
        params.begin()
        for (const op of ops) params.write(op)
        await whenSyncAccepted(params.commit())
        committed++
      }
      return { committed, error: undefined }
    } catch (error) {
      return { committed, error: errorInfo(error) }
    }
  },

  /** Inserts rows; resolves once they are durable (or with the error). */
  async insert(rows: Todo[], id?: string) {
    const started = performance.now()
    try {
      await collection(id).insert(rows).isPersisted.promise
      return { ok: true as const, ms: performance.now() - started }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
  },

  /** Inserts rows one transaction each, sequentially; returns the ids acknowledged and the first error. */
  async insertEach(rows: Todo[], id?: string) {
    const acked: string[] = []
    const latencies: number[] = []
    for (const row of rows) {
      const started = performance.now()
      try {
        await collection(id).insert(row).isPersisted.promise
        acked.push(row.id)
        latencies.push(performance.now() - started)
      } catch (error) {
        return { acked, latencies, error: errorInfo(error) }
      }
    }
    return { acked, latencies, error: undefined }
  },

  /** Starts inserting `count` rows (one transaction each) in the background. */
  startStream(prefix: string, count: number, id?: string): void {
    const rows = Array.from({ length: count }, (_, i) => ({
      id: `${prefix}${String(i).padStart(3, '0')}`,
      text: prefix,
    }))
    streams.set(prefix, api.insertEach(rows, id))
  },

  awaitStream: (prefix: string) => streams.get(prefix)!,

  leaderLog: () => leaderLog,
  now: () => Date.now(),

  /** Opens a transaction through the driver, writes in it and never finishes it (the tab then dies). */
  hangInTransaction(): void {
    void database!.driver.transaction(async (tx) => {
      await tx.run(`CREATE TABLE IF NOT EXISTS hang_test (x)`)
      await new Promise(() => undefined)
    })
  },

  async update(key: string, text: string, id?: string) {
    try {
      await collection(id).update(key, (draft) => {
        draft.text = text
      }).isPersisted.promise
      return { ok: true as const }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
  },

  async remove(key: string, id?: string) {
    try {
      await collection(id).delete(key).isPersisted.promise
      return { ok: true as const }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
  },

  /** Deletes `keys` in one transaction. */
  async removeMany(keys: string[], id?: string) {
    try {
      await collection(id).delete(keys).isPersisted.promise
      return { ok: true as const }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
  },

  /** The error this tab's persistence stopped with, if it stopped (`getPersistenceStatus().error`). */
  persistenceError(id?: string) {
    const status = (
      collection(id).utils as { getPersistenceStatus(): { error?: unknown } }
    ).getPersistenceStatus()
    return status.error === undefined ? undefined : errorInfo(status.error)
  },

  /** The rows this tab's collection holds in memory, sorted by id. */
  rows(id?: string): Todo[] {
    return [...collection(id).toArray]
      .map((t) => ({ id: t.id, text: t.text, ...(t.by ? { by: t.by } : {}) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  },

  /** Rows of a collection as stored in the file, read through the leader. */
  async diskRows(name = 'todos'): Promise<Array<{ key: string; value: string }>> {
    const found = await database!.driver.all(`SELECT id FROM persistdb_collections WHERE name = ?`, [name])
    if (found.length === 0) return []
    return (await database!.driver.all(
      `SELECT key, value FROM "persistdb_c${Number(found[0]!.id)}_rows" WHERE value IS NOT NULL ORDER BY key`,
    )) as Array<{ key: string; value: string }>
  },

  /** The change log's key lists (JSON text; null = whole-collection change), in commit order. */
  async changeLog(): Promise<Array<string | null>> {
    const rows = await database!.driver.all(`SELECT keys FROM persistdb_changes ORDER BY seq`)
    return rows.map((r) => (r.keys === null ? null : String(r.keys)))
  },

  /** A statement through the driver's `run` (a one-statement write transaction). */
  async exec(sql: string) {
    await database!.driver.run(sql)
  },

  /**
   * One driver transaction made of `steps` (`catch`: the body catches that `all`'s error and goes on);
   * returns its outcome and how many requests it took.
   */
  async txSteps(steps: Array<{ kind: 'run' | 'all'; sql: string; catch?: boolean }>) {
    const before = txRequests
    try {
      const results = await database!.driver.transaction(async (tx) => {
        const out: unknown[] = []
        for (const step of steps) {
          if (step.kind === 'run') await tx.run(step.sql)
          else
            try {
              out.push(await tx.all(step.sql))
            } catch (error) {
              if (!step.catch) throw error
              out.push({ caught: errorInfo(error) })
            }
        }
        return out
      })
      return { ok: true as const, results, requests: txRequests - before }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error), requests: txRequests - before }
    }
  },

  /** Reads through the driver and returns only how long it took and how many rows came (big reads). */
  async timedRead(sql: string) {
    const started = performance.now()
    const rows = await database!.driver.all(sql)
    return { ms: performance.now() - started, rows: rows.length }
  },

  async sql(sql: string) {
    return database!.driver.all(sql)
  },

  /** Raw driver timings (ms, mean of n): a read round trip, and a one-statement write transaction. */
  async probe(n: number) {
    const driver = database!.driver
    await driver.run(`CREATE TABLE IF NOT EXISTS probe (x)`)
    let started = performance.now()
    for (let i = 0; i < n; i++) await driver.all('SELECT 1')
    const read = (performance.now() - started) / n
    started = performance.now()
    for (let i = 0; i < n; i++) await driver.transaction((tx) => tx.run('INSERT INTO probe VALUES (?)', [i]))
    const write = (performance.now() - started) / n
    return { read, write }
  },

  /** persistence.vacuum(), and its outcome. */
  async vacuum() {
    try {
      await persistence!.vacuum()
      return { ok: true as const }
    } catch (error) {
      return { ok: false as const, error: errorInfo(error) }
    }
  },

  /** The size of OPFS file `name` in bytes (undefined when it cannot be read while the leader holds it). */
  async opfsFileSize(name: string): Promise<number | undefined> {
    try {
      const root = await navigator.storage.getDirectory()
      return (await (await root.getFileHandle(name)).getFile()).size
    } catch {
      return undefined
    }
  },

  /**
   * Makes every worker of this origin started with `idbQuotaFaults` fail (or stop failing) its IndexedDB
   * writes as on a full quota; resolves once `workers` of them confirmed.
   */
  async idbQuotaFull(full: boolean, workers = 1): Promise<void> {
    const channel = new BroadcastChannel('persistdb-test:idb-quota')
    const confirmed = new Set<string>()
    await new Promise<void>((resolve) => {
      channel.onmessage = (event: MessageEvent<{ ack?: string; full: boolean }>) => {
        if (event.data.ack && event.data.full === full) confirmed.add(event.data.ack)
        if (confirmed.size >= workers) resolve()
      }
      channel.postMessage({ full })
    })
    channel.close()
  },

  async dropCollection(name: string) {
    return persistence!.dropCollection(name)
  },

  isLeader: () => database?.coordinator.isLeader() ?? false,
  storage: () => database?.coordinator.storage,
  leaderTerm: () => database?.coordinator.leaderInfo()?.term,
  stats: () => ({ ...database!.coordinator.stats }),
  txRequests: () => txRequests,
  injectFault: (hook: LeaderHook) => database!.coordinator.injectLeaderFault(hook),
  terminateWorker: (options?: { respawn?: boolean }) => database!.coordinator.terminateWorkerForTest(options),
  /** Resolves when this tab's worker leads. */
  waitUntilLeader: () =>
    new Promise<void>((resolve) => {
      if (database!.coordinator.isLeader()) return resolve()
      const stop = database!.coordinator.onLeaderChange((info) => {
        if (info?.isLeader) {
          stop()
          resolve()
        }
      })
    }),

  async close() {
    for (const c of collections.values()) await c.cleanup()
    collections.clear()
    await persistence?.close()
  },
}

export type PageApi = typeof api
;(window as unknown as { pdb: PageApi }).pdb = api
// What this build speaks, for tests that play a tab of another build.
;(window as unknown as { pdbTabProtocol: number }).pdbTabProtocol = TAB_PROTOCOL
// A named import (the package declares itself side-effect free, so a bare import would be dropped).
;(window as unknown as { pdbDrivers: typeof pageDriversApi }).pdbDrivers = pageDriversApi
