/**
 * The IndexedDB fallback's VFS (wa-sqlite's IDBBatchAtomicVFS on the Asyncify
 * build), made recoverable. Once one of its IndexedDB transactions aborts (a
 * full quota aborts the one that writes pages), that VFS instance stays
 * failed: its internal request chain keeps the rejection, and its lock and
 * unlock methods then reject instead of returning an error code. A rejection
 * there is never delivered to the engine (the Asyncify relay only resumes on
 * a fulfilled promise), so the engine call, and every later one, would hang.
 * Here those rejections become I/O error codes, the Web Locks are released,
 * and the connection is moved to a fresh VFS instance over the same IndexedDB
 * database (`renewIndexedDbVfs`); the aborted transaction left nothing behind
 * (IndexedDB transactions are atomic, and the VFS drops the pages of a write
 * that never committed when it next takes a shared lock).
 */
import * as SQLite from '@journeyapps/wa-sqlite'
import type { SQLiteAPI } from './values'

/** The IndexedDB database every generation of the VFS stores its files in (the first VFS's name, as before). */
const IDB_NAME = 'persistdb-idb'

/** The part of wa-sqlite's IDBBatchAtomicVFS used here (its shipped .d.ts predates this API). */
interface IdbVfs {
  lastError: unknown
  close(): void
  isReady(): Promise<void>
  jLock(fileId: number, lockType: number): Promise<number>
  jUnlock(fileId: number, lockType: number): Promise<number>
}
type IdbVfsClass = new (name: string, module: unknown, options: { idbName: string }) => IdbVfs

/** The Asyncify build and the VFS instance its connection uses now. */
export interface IndexedDbEngine {
  sqlite3: SQLiteAPI
  module: unknown
  vfsName: string
  vfs: IdbVfs
}

/**
 * The error the last aborted IndexedDB transaction ended with. On a full quota the browser aborts the
 * transaction that writes pages with a QuotaExceededError as its `error`; the VFS only sees "transaction
 * aborted", so the worker watches aborts itself.
 */
let lastAbort: unknown
let generation = 0
let recoverableClass: IdbVfsClass | undefined

export function takeIndexedDbAbort(): unknown {
  const abort = lastAbort
  lastAbort = undefined
  return abort
}

function watchIndexedDbAborts(): void {
  const proto = IDBDatabase.prototype as IDBDatabase & { persistdbWatched?: boolean }
  if (proto.persistdbWatched) return
  const transaction = proto.transaction
  proto.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = transaction.apply(this, args)
    tx.addEventListener('abort', () => (lastAbort = tx.error ?? lastAbort))
    return tx
  }
  proto.persistdbWatched = true
}

/**
 * IDBBatchAtomicVFS whose lock methods never reject. Its `jLock` reads metadata after taking the Web Lock and
 * its `jUnlock` flushes before releasing it; either rejects once the VFS failed. Both stay async (the relay
 * decides by that whether to suspend the engine), and a failure releases the Web Locks by the lock layer
 * underneath, so no later connection of this origin waits for them.
 */
function recoverable(base: IdbVfsClass): IdbVfsClass {
  const lockLayer = Object.getPrototypeOf(base.prototype) as IdbVfs
  return class RecoverableIDBBatchAtomicVFS extends base {
    override async jLock(fileId: number, lockType: number): Promise<number> {
      try {
        return await super.jLock(fileId, lockType)
      } catch (error) {
        this.lastError = error
        await lockLayer.jUnlock.call(this, fileId, SQLite.SQLITE_LOCK_NONE)
        return SQLite.SQLITE_IOERR_LOCK
      }
    }

    override async jUnlock(fileId: number, lockType: number): Promise<number> {
      try {
        return await super.jUnlock(fileId, lockType)
      } catch (error) {
        this.lastError = error
        await lockLayer.jUnlock.call(this, fileId, lockType)
        return SQLite.SQLITE_IOERR_UNLOCK
      }
    }
  }
}

async function registerVfs(sqlite3: SQLiteAPI, module: unknown): Promise<{ vfsName: string; vfs: IdbVfs }> {
  // A new name per instance (SQLite finds a VFS by name); the same IndexedDB database under each.
  const vfsName = generation === 0 ? IDB_NAME : `${IDB_NAME}-${generation}`
  generation++
  const vfs = new recoverableClass!(vfsName, module, { idbName: IDB_NAME })
  await vfs.isReady()
  sqlite3.vfs_register(vfs as unknown as SQLiteVFS, false)
  return { vfsName, vfs }
}

/** The fallback: the Asyncify build with the recoverable IDBBatchAtomicVFS (slower, ~4 ms per small transaction). */
export async function loadIndexedDb(wasmUrl: string | undefined): Promise<IndexedDbEngine> {
  const [{ default: factory }, { IDBBatchAtomicVFS }] = await Promise.all([
    import('@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs'),
    import('@journeyapps/wa-sqlite/src/examples/IDBBatchAtomicVFS.js'),
  ])
  const module: unknown = await factory(wasmUrl ? { locateFile: () => wasmUrl } : {})
  const sqlite3 = SQLite.Factory(module)
  watchIndexedDbAborts()
  recoverableClass ??= recoverable(IDBBatchAtomicVFS as unknown as IdbVfsClass)
  return { sqlite3, module, ...(await registerVfs(sqlite3, module)) }
}

/**
 * Gives `engine` a fresh VFS instance (after its connection was closed): the failed one is closed and stays
 * registered but unused.
 */
export async function renewIndexedDbVfs(engine: IndexedDbEngine): Promise<void> {
  try {
    engine.vfs.close()
  } catch {
    // Its IndexedDB connection may be gone already.
  }
  Object.assign(engine, await registerVfs(engine.sqlite3, engine.module))
}
