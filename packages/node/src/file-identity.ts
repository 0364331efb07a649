import { statSync, watch, type FSWatcher } from 'node:fs'
import { resolve } from 'node:path'
import { DatabaseFileReplacedError } from '@persistdb/core'

export interface FileIdentityGuard {
  /** Throws DatabaseFileReplacedError once the file at the path is no longer the one opened. */
  check(): void
  /** Throws like check(), but stats the path only when the file was touched since (free otherwise). */
  checkIfTouched(): void
  close(): void
}

/**
 * Notices that the database file was deleted or replaced (renamed over) while
 * open: SQLite keeps writing to the unlinked inode in WAL mode and reports
 * nothing. A stat() of the path, compared with the device and inode seen at
 * open, decides. It runs at each poll and whenever the file itself changed
 * (an inotify/FSEvents watch on the file: unlink, rename, link count), never on
 * a plain commit: the write path pays one boolean test. `onTouched` lets the
 * persistence look at once, so collections move to their error state without
 * waiting for a write.
 */
export function fileIdentityGuard(path: string, onTouched: () => void): FileIdentityGuard {
  const absolute = resolve(path)
  const opened = statSync(absolute)
  let touched = false
  let scheduled = false
  let watcher: FSWatcher | undefined
  try {
    // Not persistent: the watch never keeps a process alive. A checkpoint writing many pages is one look.
    watcher = watch(absolute, { persistent: false }, () => {
      touched = true
      if (scheduled) return
      scheduled = true
      setImmediate(() => {
        scheduled = false
        onTouched()
      })
    })
    watcher.on('error', () => {
      // The file went away under the watch: the stat at the next check or poll tells.
      touched = true
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
    checkIfTouched: () => {
      if (!touched) return
      touched = false
      check()
    },
    close: () => watcher?.close(),
  }
}

/** True for a database that lives in a file (not `:memory:` or an anonymous temporary one). */
export function isFileBacked(name: string): boolean {
  return name !== '' && name !== ':memory:' && !name.startsWith('file::memory:')
}
