import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { DatabaseFileReplacedError } from '@persistdb/core'

/**
 * Notices that the database file was deleted or replaced (renamed over) while
 * open: SQLite keeps writing to the unlinked inode in WAL mode and reports
 * nothing. One stat() of the path, compared with the device and inode seen at
 * open; PersistDB runs it just before each write commits and at each poll.
 */
export function fileIdentityCheck(path: string): () => void {
  const absolute = resolve(path)
  const opened = statSync(absolute)
  return () => {
    const now = statSync(absolute, { throwIfNoEntry: false })
    if (!now) throw new DatabaseFileReplacedError(absolute, 'deleted')
    if (now.ino !== opened.ino || now.dev !== opened.dev)
      throw new DatabaseFileReplacedError(absolute, 'replaced')
  }
}

/** True for a database that lives in a file (not `:memory:` or an anonymous temporary one). */
export function isFileBacked(name: string): boolean {
  return name !== '' && name !== ':memory:' && !name.startsWith('file::memory:')
}
