import { statSync } from 'node:fs'
import { headSeq, pruneChanges } from '@persistdb/core/inspect'
import { requirePersistdb } from './collections'
import { openExclusive } from './database'

export interface CompactOptions {
  /** Change-log bounds, as the app's `changeLog` option (defaults: 10 000 entries, 24 h; 0 disables). */
  readonly maxEntries: number
  readonly maxAgeMs: number
  /** Run even though another connection has the file open (waits for its locks). */
  readonly force: boolean
}

export interface CompactResult {
  readonly bytesBefore: number
  readonly bytesAfter: number
  readonly logEntriesBefore: number
  readonly logEntriesAfter: number
}

/**
 * `persistdb compact`: prunes the change log within its bounds with core's own pruning (the newest entry
 * always stays, so a writer's next position is never reused), then VACUUM and an emptied WAL.
 */
export function compactFile(path: string, options: CompactOptions): CompactResult {
  const bytesBefore = onDisk(path)
  const file = openExclusive(path, options.force)
  try {
    requirePersistdb(file)
    const count = () =>
      (file.db.prepare(`SELECT count(*) AS n FROM persistdb_changes`).get() as { n: number }).n
    const logEntriesBefore = count()
    file.db.exec('BEGIN IMMEDIATE')
    file.run(pruneChanges(file.run(headSeq()), options.maxEntries, options.maxAgeMs))
    file.db.exec('COMMIT')
    const logEntriesAfter = count()
    file.db.exec('VACUUM')
    file.db.pragma('wal_checkpoint(TRUNCATE)')
    file.close()
    return { bytesBefore, bytesAfter: onDisk(path), logEntriesBefore, logEntriesAfter }
  } finally {
    if (file.db.open) {
      if (file.db.inTransaction) file.db.exec('ROLLBACK')
      file.close()
    }
  }
}

/** The database file plus its WAL: what the user sees on disk. */
export function onDisk(path: string): number {
  const size = (p: string) => {
    try {
      return statSync(p).size
    } catch {
      return 0
    }
  }
  return size(path) + size(`${path}-wal`)
}
