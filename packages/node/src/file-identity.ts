import { statSync, watch, type FSWatcher } from 'node:fs'
import { resolve } from 'node:path'
import { DatabaseFileReplacedError } from '@persistdb/core'

export interface FileIdentityGuard {
  /** Throws DatabaseFileReplacedError once the file at the path is no longer the one opened. */
  check(): void
  close(): void
}

/**
 * Notices that the database file was deleted or replaced (renamed over) while
 * open: SQLite keeps writing to the unlinked inode in WAL mode and reports
 * nothing. A stat() of the path, compared with the device and inode seen at
 * open, decides. It runs before every commit is acknowledged (one stat, about
 * 2.5 µs: about 1% of a single-row write), at each poll, and whenever the file
 * itself changed (an inotify/FSEvents watch on the file: unlink, rename, link
 * count), so collections move to their error state without waiting for a
 * write. The watch alone is not enough before a commit: its event arrives one
 * event-loop turn after the unlink, and a commit in the same turn would be
 * acknowledged into the unlinked file.
 */
export function fileIdentityGuard(path: string, onTouched: () => void): FileIdentityGuard {
  const absolute = resolve(path)
  const opened = statSync(absolute)
  let scheduled = false
  let watcher: FSWatcher | undefined
  try {
    // Not persistent: the watch never keeps a process alive. A checkpoint writing many pages is one look.
    watcher = watch(absolute, { persistent: false }, () => {
      if (scheduled) return
      scheduled = true
      setImmediate(() => {
        scheduled = false
        onTouched()
      })
    })
    watcher.on('error', () => {
      // The file went away under the watch: the stat before the next commit or poll tells.
    })
  } catch {
    // No watch on this file system: the poll's stat still notices.
  }
  const check = () => {
    const now = statSync(absolute, { throwIfNoEntry: false })
    if (!now) throw new DatabaseFileReplacedError(absolute, 'deleted')
    if (now.ino !== opened.ino || now.dev !== opened.dev)
      throw new DatabaseFileReplacedError(absolute, 'replaced')
  }
  return {
    check,
    close: () => watcher?.close(),
  }
}

/** True for a database that lives in a file (not `:memory:` or an anonymous temporary one). */
export function isFileBacked(name: string): boolean {
  return name !== '' && name !== ':memory:' && !name.startsWith('file::memory:')
}
