/**
 * wa-sqlite inside the leader's worker: loading the WASM build, registering
 * the VFS, opening with bounded retries, and running statements with a cache
 * of prepared statements. Runs only in a dedicated Worker.
 */
import SQLiteESMFactory from '@journeyapps/wa-sqlite/dist/wa-sqlite.mjs'
import * as SQLite from '@journeyapps/wa-sqlite'
import { OPFSCoopSyncVFS } from '@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js'
import {
  DamagedDatabaseError,
  type DatabaseFileReplacedError,
  type SQLiteRow,
  type SQLiteValue,
} from '@persistdb/core'
import { LEGACY_BROWSER_META_TABLE, REMOTE_META_TABLE } from '@persistdb/core/remote'
import { isStorageFailure, opfsFileExists, quotaFailure, storageClearedError } from './storage-failure'
import { loadIndexedDb, renewIndexedDbVfs, takeIndexedDbAbort, type IndexedDbEngine } from './idb-storage'
import { bindValues, readColumn, type SQLiteAPI, type WasmExports } from './values'

/** wa-sqlite's API, the Emscripten module under it (for the exact binds values.ts makes) and the VFS in use. */
interface Engine {
  sqlite3: SQLiteAPI
  module: unknown
  vfsName: string
}

export type StorageKind = 'opfs' | 'indexeddb'

export interface OpenOptions {
  databaseName: string
  /** OPFS (default) or the IndexedDB fallback for browsers without OPFS sync access handles. */
  storage: StorageKind
  /** Where wa-sqlite.wasm is served from; default: next to wa-sqlite.mjs (bundlers resolve it). */
  wasmUrl?: string
  /** Where wa-sqlite-async.wasm (the IndexedDB fallback's build) is served from. */
  asyncWasmUrl?: string
  /** Total time open may keep retrying transient OPFS errors (a crashed tab's handles). */
  openTimeoutMs: number
}

/** True where this worker can open OPFS files with synchronous access handles. */
export function hasOpfsSyncAccess(): boolean {
  const handle = (globalThis as { FileSystemFileHandle?: { prototype: object } }).FileSystemFileHandle
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator?.storage
  return (
    !!handle && 'createSyncAccessHandle' in handle.prototype && typeof storage?.getDirectory === 'function'
  )
}

const OPFS_VFS_NAME = 'persistdb-opfs'
/** The OPFS VFS keeps the exception behind its last I/O error code: how a full quota is told from other I/O errors. */
let opfsVfs: { lastError: unknown } | undefined
const modules = new Map<StorageKind, Promise<Engine>>()

function loadModule(options: OpenOptions): Promise<Engine> {
  let loading = modules.get(options.storage)
  if (!loading) {
    loading = options.storage === 'opfs' ? loadOpfs(options.wasmUrl) : loadIndexedDb(options.asyncWasmUrl)
    modules.set(options.storage, loading)
  }
  return loading
}

async function loadOpfs(wasmUrl: string | undefined): Promise<Engine> {
  const module: unknown = await SQLiteESMFactory(wasmUrl ? { locateFile: () => wasmUrl } : {})
  const sqlite3 = SQLite.Factory(module)
  // Only the elected leader ever opens the file, so the VFS never competes with another connection;
  // OPFSCoopSyncVFS is the sync OPFS VFS that also tolerates a handle left behind by a dead tab.
  const vfs = await OPFSCoopSyncVFS.create(OPFS_VFS_NAME, module)
  opfsVfs = vfs as unknown as { lastError: unknown }
  sqlite3.vfs_register(vfs as unknown as SQLiteVFS, false)
  return { sqlite3, module, vfsName: OPFS_VFS_NAME }
}

/** OPFS errors that go away once a dead tab's access handles are released. */
export function isTransientOpenError(error: unknown): boolean {
  const text = `${(error as { name?: string })?.name ?? ''} ${(error as { message?: string })?.message ?? ''}`
  const code = (error as { code?: unknown })?.code
  return (
    code === SQLite.SQLITE_BUSY ||
    code === SQLite.SQLITE_CANTOPEN ||
    /NoModificationAllowed|NotFoundError|InvalidStateError|unable to open|database is locked/i.test(text)
  )
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const OPEN_FLAGS = SQLite.SQLITE_OPEN_CREATE | SQLite.SQLITE_OPEN_READWRITE

export class WorkerDatabase {
  private readonly statements = new Map<string, number>()
  /** Undefined while the connection is closed (after `close`, or a failed reopen on the IndexedDB fallback). */
  private db: number | undefined
  /** IndexedDB fallback: the connection's VFS failed; it is reopened on a fresh one before the next statement. */
  private failed = false
  /** The file was deleted under the open connection (storage cleared): every statement fails with this from then on. */
  private lost: DatabaseFileReplacedError | undefined

  private constructor(
    private readonly engine: Engine,
    db: number,
    private readonly name: string,
    private readonly storage: StorageKind,
  ) {
    this.db = db
  }

  /**
   * Opens the database, retrying transient OPFS errors with exponential
   * backoff (50 ms doubling to 1 s) until `openTimeoutMs`: a tab that was
   * reloaded or crashed a moment ago can still hold the access handles.
   */
  static async open(
    options: OpenOptions,
    log: (attempt: number, error: unknown) => void,
  ): Promise<WorkerDatabase> {
    const engine = await loadModule(options)
    const { sqlite3 } = engine
    const deadline = Date.now() + options.openTimeoutMs
    let delay = 50
    for (let attempt = 1; ; attempt++) {
      let db: number | undefined
      try {
        db = await sqlite3.open_v2(options.databaseName, OPEN_FLAGS, engine.vfsName)
        const database = new WorkerDatabase(engine, db, options.databaseName, options.storage)
        if (options.storage === 'opfs') await database.tuneForSoleConnection()
        // Reads the header now, so a held handle fails here rather than at the first statement.
        else await database.all('PRAGMA journal_mode')
        return database
      } catch (error) {
        if (db !== undefined) await sqlite3.close(db).catch(() => undefined)
        if (!isTransientOpenError(error) || Date.now() + delay > deadline) throw error
        log(attempt, error)
        await sleep(delay)
        delay = Math.min(delay * 2, 1000)
      }
    }
  }

  private get sqlite3(): SQLiteAPI {
    return this.engine.sqlite3
  }

  /**
   * The leader's connection is the only one that ever opens the file (the Web Lock election guarantees it),
   * so it may keep SQLite's lock for its whole life: `locking_mode=EXCLUSIVE` skips the per-transaction
   * unlock and cache re-validation (the page cache stays warm across transactions), and lets SQLite run WAL
   * without shared memory (the wal-index lives in the heap; OPFSCoopSyncVFS has no xShm). A WAL commit is one
   * append and one flush instead of journal writes, two flushes and a journal truncate. `synchronous` stays
   * FULL: each commit is flushed before it is acknowledged. A 32 MB page cache: OPFS page reads are the cost
   * of big reads (a 100k-row scan was 2 s of page reads cold, 0.1 s cached). Locking mode is set first: a WAL
   * file cannot be read here without it. Handover still works: a leader that steps down closes the connection
   * (checkpointing, releasing lock and handles); one that dies loses its handles with its worker, and the next
   * leader's open replays the WAL. The price: a failover's open takes ~0.3 s longer than with the rollback
   * journal (measured trade-off in docs/architecture.md).
   */
  async tuneForSoleConnection(): Promise<void> {
    await this.all('PRAGMA locking_mode = EXCLUSIVE')
    await this.assertSoundBeforeFirstWrite()
    await this.all('PRAGMA journal_mode = WAL')
    await this.all('PRAGMA cache_size = -32768')
  }

  /**
   * A file no PersistDB leader has written yet (a new one is empty; an imported one may be anything) is
   * checked before the WAL switch and the fence tables change it: a damaged file is refused unchanged.
   */
  private async assertSoundBeforeFirstWrite(): Promise<void> {
    // The fence table a leader creates first: shared name, or that of builds before the shared protocol.
    const ours = await this.all(`SELECT 1 FROM sqlite_master WHERE name IN (?, ?)`, [
      REMOTE_META_TABLE,
      LEGACY_BROWSER_META_TABLE,
    ])
    if (ours.length > 0) return
    const rows = await this.all('PRAGMA quick_check(10)')
    const problems = rows.map((row) => String(Object.values(row)[0]))
    if (problems.length !== 1 || problems[0] !== 'ok') throw new DamagedDatabaseError(this.name, problems)
  }

  private async prepare(db: number, sql: string): Promise<number> {
    const cached = this.statements.get(sql)
    if (cached !== undefined) return cached
    let prepared: number | undefined
    for await (const stmt of this.sqlite3.statements(db, sql, { unscoped: true })) {
      if (prepared !== undefined) {
        await this.sqlite3.finalize(stmt)
        throw new Error('PersistDB runs one SQL statement per call')
      }
      prepared = stmt
    }
    if (prepared === undefined) throw new Error(`Empty SQL statement: ${sql}`)
    if (this.statements.size >= 256) {
      const [oldSql, oldStmt] = this.statements.entries().next().value as [string, number]
      this.statements.delete(oldSql)
      await this.sqlite3.finalize(oldStmt)
    }
    this.statements.set(sql, prepared)
    return prepared
  }

  /** The open connection (the IndexedDB fallback reopens a failed one first). */
  private async connection(): Promise<number> {
    if (this.lost) throw this.lost
    if (this.failed) await this.reopen()
    if (this.db === undefined) throw new Error(`PersistDB database "${this.name}" is closed`)
    return this.db
  }

  async all(sql: string, params: readonly SQLiteValue[] = []): Promise<SQLiteRow[]> {
    // The healthy path takes the handle as it is: no extra await per statement.
    const db = this.db !== undefined && !this.failed && !this.lost ? this.db : await this.connection()
    try {
      return await this.execute(db, sql, params)
    } catch (error) {
      const causes = this.failureCauses()
      // Storage cleared under the open file: nothing written from now on would last. Checked only on a failure.
      if (this.storage === 'opfs' && isStorageFailure(error) && !(await opfsFileExists(this.name)))
        throw (this.lost = storageClearedError(this.name))
      const typed = quotaFailure(error, this.name, causes) ?? error
      // The IndexedDB VFS never recovers from a failed IndexedDB transaction: move to a fresh one now, so
      // the next request (of any tab) runs on a working connection. What this one had open is rolled back.
      if (this.storage === 'indexeddb' && isStorageFailure(error)) {
        this.failed = true
        await this.reopen().catch(() => undefined) // tried again before the next statement
        if (this.lost) throw this.lost
      }
      throw typed
    }
  }

  private async execute(db: number, sql: string, params: readonly SQLiteValue[]): Promise<SQLiteRow[]> {
    const { sqlite3 } = this
    this.failureCauses() // forget causes of earlier failures
    const stmt = await this.prepare(db, sql)
    try {
      bindValues(sqlite3, this.engine.module as WasmExports, stmt, params)
      const rows: SQLiteRow[] = []
      let columns: string[] | undefined
      while ((await sqlite3.step(stmt)) === SQLite.SQLITE_ROW) {
        columns ??= sqlite3.column_names(stmt)
        const row: Record<string, SQLiteValue> = {}
        for (let c = 0; c < columns.length; c++) row[columns[c]!] = readColumn(sqlite3, stmt, c)
        rows.push(row)
      }
      return rows
    } finally {
      await sqlite3.reset(stmt).catch(() => undefined)
      sqlite3.clear_bindings(stmt)
    }
  }

  /** What the VFS saw behind the last I/O error code (and forgets it): tells a full quota from other failures. */
  private failureCauses(): unknown[] {
    if (this.storage === 'opfs') {
      const cause = opfsVfs?.lastError
      if (opfsVfs) opfsVfs.lastError = null
      return [cause]
    }
    const { vfs } = this.engine as IndexedDbEngine
    const cause = vfs.lastError
    vfs.lastError = null
    return [cause, takeIndexedDbAbort()]
  }

  /** Closes the failed connection and opens the file again on a fresh VFS instance (IndexedDB fallback). */
  private async reopen(): Promise<void> {
    await this.closeConnection().catch(() => undefined)
    await renewIndexedDbVfs(this.engine as IndexedDbEngine)
    try {
      // Without CREATE: a database the browser deleted meanwhile (site data cleared) must not be replaced by
      // an empty one that would take writes while the tabs still show the old rows.
      this.db = await this.sqlite3.open_v2(this.name, SQLite.SQLITE_OPEN_READWRITE, this.engine.vfsName)
    } catch (error) {
      if ((error as { code?: unknown })?.code === SQLite.SQLITE_CANTOPEN)
        throw (this.lost = storageClearedError(this.name))
      throw error
    }
    this.failed = false
  }

  async run(sql: string, params: readonly SQLiteValue[] = []): Promise<void> {
    await this.all(sql, params)
  }

  /** One write transaction on this connection (used by the leader for its own bookkeeping). */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.run('BEGIN IMMEDIATE')
    try {
      const result = await body()
      await this.run('COMMIT')
      return result
    } catch (error) {
      if (this.inTransaction) await this.run('ROLLBACK')
      throw error
    }
  }

  get inTransaction(): boolean {
    return this.db !== undefined && !this.failed && !this.lost && this.sqlite3.get_autocommit(this.db) === 0
  }

  async close(): Promise<void> {
    this.failed = false
    await this.closeConnection()
  }

  private async closeConnection(): Promise<void> {
    const { db } = this
    if (db === undefined) return
    this.db = undefined
    for (const stmt of this.statements.values()) await this.sqlite3.finalize(stmt).catch(() => undefined)
    this.statements.clear()
    await this.sqlite3.close(db)
  }
}
