import { DriverResultError } from './errors'
import { query, run, type StorageOp } from './runner'
import type { StoredKey } from './codec'

/**
 * The change log (`persistdb_changes`): one entry per commit, read by every other writer on the file
 * (docs/architecture.md, "Several writers on one file"). `seq` is the INTEGER PRIMARY KEY, so SQLite
 * assigns it as max+1 under the write lock.
 */
export interface ChangeEntry {
  readonly seq: number
  readonly collection: number
  readonly writer: string
  /** Affected keys, or null when the whole collection must be reloaded. */
  readonly keys: readonly StoredKey[] | null
}

/** Largest change-log position assigned (the newest entry is never pruned). */
export function* headSeq(): StorageOp<number> {
  const rows = yield* query(`SELECT max(seq) AS seq FROM persistdb_changes`)
  return rows[0]?.seq == null ? 0 : Number(rows[0].seq)
}

export function* changesSince(seq: number): StorageOp<readonly ChangeEntry[]> {
  const rows = yield* query(
    `SELECT seq, collection, writer, keys FROM persistdb_changes WHERE seq > ? ORDER BY seq`,
    [seq],
  )
  return rows.map((r) => ({
    seq: Number(r.seq),
    collection: Number(r.collection),
    writer: String(r.writer),
    keys: r.keys === null ? null : (JSON.parse(String(r.keys)) as StoredKey[]),
  }))
}

/** Past this many keys a log entry says "reload" instead of listing them. */
const MAX_LOGGED_KEYS = 2000

const LOG_SQL = `INSERT INTO persistdb_changes (collection, writer, keys, at) VALUES (?, ?, ?, ?)`

/**
 * Appends one entry. Its position is not read back here: only a caller that needs it (a server
 * recording a transaction id) pays for `loggedSeq()`, inside the same transaction.
 */
export function logChange(num: number, writer: string, keys: readonly StoredKey[] | null) {
  const listed = keys && keys.length <= MAX_LOGGED_KEYS ? JSON.stringify(keys) : null
  return run(LOG_SQL, [num, writer, listed, Date.now()])
}

/** The position of the entry this transaction appended last. */
export function loggedSeq(): StorageOp<number> {
  return lastInsertRowid()
}

/**
 * The rowid the last INSERT of this transaction gave. Not `RETURNING`: SQLite
 * before 3.35 (system SQLite on older iOS, which op-sqlite can use) lacks it,
 * and bridges that tell reads from writes by the statement's first word
 * (op-sqlite's Node build) return no rows for it.
 */
export function* lastInsertRowid(): StorageOp<number> {
  const rows = yield* query(`SELECT last_insert_rowid() AS id`)
  const id = Number(rows[0]?.id)
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new DriverResultError(
      `SELECT last_insert_rowid() returned ${String(rows[0]?.id)}; expected a rowid.`,
    )
  }
  return id
}

/**
 * Deletes entries older than the newest `maxEntries` and, by age, those written before the first entry
 * younger than `maxAgeMs`; never the entry at `head` or after it. Each DELETE has a single upper bound on
 * the primary key, so SQLite visits only the entries it deletes (two bounds let the planner pick the
 * loose one and test the other on every entry of the log: 4 ms per prune at 9,000 entries).
 */
export function* pruneChanges(head: number, maxEntries: number, maxAgeMs: number): StorageOp<void> {
  if (maxEntries > 0) yield run(`DELETE FROM persistdb_changes WHERE seq <= ?`, [head - maxEntries])
  if (maxAgeMs > 0) {
    // Entries are appended in time order: everything before the first young
    // entry is old. Only the old ones are visited, so no index on `at` is kept.
    yield run(
      `DELETE FROM persistdb_changes WHERE seq < min(?, coalesce(` +
        `(SELECT seq FROM persistdb_changes WHERE at >= ? ORDER BY seq LIMIT 1), ?))`,
      [head, Date.now() - maxAgeMs, head],
    )
  }
}
