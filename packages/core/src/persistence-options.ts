import type { MaybePromise, SQLiteDriver } from './driver'
import { guardDriver } from './guarded-driver'
import { drive, type StorageOp } from './runner'
import { readFormat } from './schema'

export interface ChangeLogOptions {
  /** Entries kept at most (0: no count limit). Default 10 000. */
  maxEntries?: number
  /** Entries older than this are pruned (0: no age limit). Default 24 h. */
  maxAgeMs?: number
}

/** Exactly-once for a resent commit: both run inside the commit's own write transaction. */
export interface CommitOnce {
  /** The change-log position of the earlier apply of this commit, or undefined when it is new. */
  applied(): StorageOp<number | undefined>
  /** Records that this commit is applied, at `seq`. */
  record(seq: number): StorageOp<void>
}

export interface SQLitePersistenceOptions {
  driver: SQLiteDriver
  /**
   * How often to look for transactions other writers (processes, windows,
   * other persistence objects) committed to the same file. 0 disables it.
   * Default 100 ms.
   */
  pollIntervalMs?: number
  changeLog?: ChangeLogOptions
  /** How error messages name the database (a path, a browser database name). */
  file?: string
  /**
   * Throws a PersistenceError when the database is no longer the one opened
   * (e.g. the file was deleted or replaced). Runs at each poll; a
   * DatabaseFileReplacedError stops the persistence for good.
   */
  fileCheck?: () => void
  /**
   * The same check inside every write transaction just before it commits, so
   * nothing is acknowledged once it throws. On the write path: must be cheap
   * (Node tests a flag its file watch sets, and stats only then).
   */
  commitCheck?: () => void
}

/**
 * Reads which PersistDB storage format a database holds (0: none yet) without
 * writing. Throws ForeignDatabaseError for a file that is not SQLite or holds
 * another application's persistdb_meta. Runtimes call it before changing
 * persistent settings such as journal_mode.
 */
export function readStorageFormat(driver: SQLiteDriver, file?: string): MaybePromise<number> {
  return drive(guardDriver(driver), readFormat(file))
}
