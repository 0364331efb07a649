import { isPromiseLike, type MaybePromise, type SQLiteDriver } from './driver'
import { DamagedDatabaseError } from './open-errors'
import { chain } from './persistence'
import { openFailure } from './sqlite-failure'
import { drive, query, type StorageOp } from './runner'
import { newerFormatError, readFormat, STORAGE_FORMAT } from './schema'

/**
 * Before PersistDB writes its tables into a file that does not hold them yet
 * (a new file, or another application's database it is asked to share), it
 * checks once that SQLite finds the file sound: adopting a damaged file would
 * change it (journal mode, new pages) and bury the damage under our writes.
 * A file that already holds PersistDB's tables is not re-checked at every
 * open (quick_check reads every page); damage there surfaces as typed read
 * errors.
 */
const checked = new WeakSet<SQLiteDriver>()

function* quickCheck(file: string | undefined): StorageOp<void> {
  // quick_check: 'ok' alone means sound (at most 10 problems are read). Asked as a SELECT (the
  // pragma's table-valued form): some bridges return rows only for statements starting with SELECT
  // (op-sqlite's Node build).
  let rows
  try {
    rows = yield* query(`SELECT quick_check FROM pragma_quick_check LIMIT 10`)
  } catch (error) {
    throw openFailure(error, file) ?? new DamagedDatabaseError(file, [String(error)], error)
  }
  const problems = rows.map((row) => String(Object.values(row)[0]))
  if (problems.length !== 1 || problems[0] !== 'ok') throw new DamagedDatabaseError(file, problems)
}

/** Throws DamagedDatabaseError when SQLite's quick_check does not answer 'ok'. Once per driver. */
export function assertSound(driver: SQLiteDriver, file: string | undefined): MaybePromise<void> {
  if (checked.has(driver)) return
  return chain(drive(driver, quickCheck(file)), () => {
    checked.add(driver)
  })
}

/**
 * The file's PersistDB storage format (0: none yet) without writing; for a
 * file without PersistDB's tables also checks that it is sound, and a newer
 * format than this build reads is refused (StorageFormatError). A failure
 * comes back as its open-time error (openFailure: not SQLite, damaged, busy,
 * read-only): these are reads, so a read-only refusal means even reading is
 * impossible. Runtimes call this before changing persistent settings such as
 * journal_mode; the persistence calls it before its first statement.
 */
export function inspectDatabase(
  driver: SQLiteDriver,
  file?: string,
  /** For DatabaseBusyError's message: how long the engine waited for the lock. */
  busyTimeoutMs?: number,
): MaybePromise<number> {
  const typed = (error: unknown): never => {
    throw openFailure(error, file, busyTimeoutMs, 'read') ?? error
  }
  let result: MaybePromise<number>
  try {
    result = chain(drive(driver, readFormat(file)), (format) => {
      // A newer PersistDB's file is refused before a runtime changes its settings (journal_mode).
      if (format > STORAGE_FORMAT) throw newerFormatError(format)
      return format === 0 ? chain(assertSound(driver, file), () => format) : format
    })
  } catch (error) {
    return typed(error)
  }
  return isPromiseLike(result) ? result.then(undefined, typed) : result
}
