/**
 * Fencing and durable dedupe, in the database file itself, as storage ops any
 * driver runs inside the transaction they guard:
 *
 * - a server (a browser leader, Electron's main) takes the next term in a
 *   write transaction when it starts;
 * - every commit checks, inside its own transaction, that the file's term is
 *   still the committing server's (a deposed leader cannot commit) and records
 *   the transaction id it commits;
 * - a client that lost a commit's answer asks (this server or the next)
 *   whether its transaction id is recorded: yes means applied, so it is never
 *   applied twice and never reported as failed.
 *
 * Tables: `persistdb_remote_meta` (the term) and `persistdb_remote_applied`
 * (recent transaction ids). Files written by @persistdb/browser before this
 * module kept them in `persistdb_browser_meta` / `persistdb_browser_applied`:
 * those are left in place. The term continues from the old table and is
 * written to it too, so a leader of an older build (which checks the old
 * table) is still fenced; the old applied ids are not consulted (only a client
 * of the older build, whose protocol version a newer server refuses, could
 * ask about them).
 */
import { InvalidRemoteMessageError, LeaderFencedError } from '@persistdb/core'
import { query, run, type StorageOp } from '../runner'

export const REMOTE_META_TABLE = 'persistdb_remote_meta'
export const REMOTE_APPLIED_TABLE = 'persistdb_remote_applied'
/** The tables of @persistdb/browser builds before the shared protocol (see above). */
export const LEGACY_BROWSER_META_TABLE = 'persistdb_browser_meta'

/** Dedupe entries are kept this long (a client asks within one failover or restart) and at most this many. */
export const APPLIED_RETAIN_MS = 60 * 60 * 1000
export const APPLIED_MAX = 10_000
/** A server prunes the applied table inside every this-many-th commit. */
export const PRUNE_EVERY_COMMITS = 64
/** Longest transaction id recorded (a UUID is 36): keeps the table bounded whatever a client sends. */
export const MAX_TX_ID_LENGTH = 128

function* ensureTables(): StorageOp<void> {
  yield run(
    `CREATE TABLE IF NOT EXISTS ${REMOTE_META_TABLE} (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
  )
  yield run(
    `CREATE TABLE IF NOT EXISTS ${REMOTE_APPLIED_TABLE} (tx_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  )
}

function* termIn(table: string): StorageOp<number | undefined> {
  const rows = yield* query(`SELECT value FROM ${table} WHERE key = 'term'`)
  return rows.length === 0 ? undefined : Number(rows[0]!.value)
}

function* hasTable(name: string): StorageOp<boolean> {
  const rows = yield* query(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`, [name])
  return rows.length > 0
}

/**
 * Creates the tables if needed and takes the next term. Run it in its own
 * write transaction: once it commits, no server of an older term can commit.
 */
export function* takeNextTerm(): StorageOp<number> {
  yield* ensureTables()
  const legacy = yield* hasTable(LEGACY_BROWSER_META_TABLE)
  const current = Math.max(
    (yield* termIn(REMOTE_META_TABLE)) ?? 0,
    legacy ? ((yield* termIn(LEGACY_BROWSER_META_TABLE)) ?? 0) : 0,
  )
  const next = current + 1
  yield run(`INSERT OR REPLACE INTO ${REMOTE_META_TABLE} (key, value) VALUES ('term', ?)`, [next])
  if (legacy)
    yield run(`INSERT OR REPLACE INTO ${LEGACY_BROWSER_META_TABLE} (key, value) VALUES ('term', ?)`, [next])
  return next
}

/** The term recorded in the file (undefined before any server took one). */
export function* currentTerm(): StorageOp<number | undefined> {
  if (!(yield* hasTable(REMOTE_META_TABLE))) return undefined
  return yield* termIn(REMOTE_META_TABLE)
}

/**
 * Inside the open transaction, before COMMIT: throws LeaderFencedError when a
 * newer server took the file (the caller rolls back), else records `txId` as
 * applied. A txId recorded already fails the transaction (primary key): the
 * caller asks `wasApplied` before beginning, so that means a duplicate.
 */
export function* fenceAndRecord(term: number, txId: string, now: number = Date.now()): StorageOp<void> {
  assertTxId(txId)
  const recorded = yield* termIn(REMOTE_META_TABLE)
  if (recorded !== term) throw new LeaderFencedError(term, recorded)
  yield run(`INSERT INTO ${REMOTE_APPLIED_TABLE} (tx_id, at) VALUES (?, ?)`, [txId, now])
}

/** Whether `txId` was committed (and is still within the retained window). */
export function* wasApplied(txId: string): StorageOp<boolean> {
  assertTxId(txId)
  const rows = yield* query(`SELECT 1 AS x FROM ${REMOTE_APPLIED_TABLE} WHERE tx_id = ?`, [txId])
  return rows.length > 0
}

/** Bounds the applied table by age and count; run it inside a commit now and then (PRUNE_EVERY_COMMITS). */
export function* pruneApplied(
  now: number = Date.now(),
  retainMs: number = APPLIED_RETAIN_MS,
  max: number = APPLIED_MAX,
): StorageOp<void> {
  yield run(`DELETE FROM ${REMOTE_APPLIED_TABLE} WHERE at < ?`, [now - retainMs])
  yield run(
    `DELETE FROM ${REMOTE_APPLIED_TABLE} WHERE tx_id IN ` +
      `(SELECT tx_id FROM ${REMOTE_APPLIED_TABLE} ORDER BY at DESC, tx_id DESC LIMIT -1 OFFSET ?)`,
    [max],
  )
}

function assertTxId(txId: string): void {
  if (typeof txId !== 'string' || txId.length === 0 || txId.length > MAX_TX_ID_LENGTH)
    throw new InvalidRemoteMessageError(
      `a transaction id must be a string of 1-${MAX_TX_ID_LENGTH} characters`,
    )
}

/**
 * The ids a server committed recently, in memory: most "was it applied?"
 * questions (a resent commit) are answered without reading the file.
 */
export class RecentlyApplied {
  private readonly ids = new Set<string>()

  constructor(private readonly max = 1000) {}

  add(txId: string): void {
    this.ids.add(txId)
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string)
  }

  has(txId: string): boolean {
    return this.ids.has(txId)
  }
}
