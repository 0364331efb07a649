/** Telling a failed write's cause from SQLite's result code and what the VFS recorded behind it. */
import * as SQLite from '@journeyapps/wa-sqlite'
import { DatabaseFileReplacedError } from '@persistdb/core'
import { StorageQuotaError } from './errors'

/** SQLITE_IOERR (any extended code) or SQLITE_FULL: the storage under the VFS failed. */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code
  return (
    typeof code === 'number' &&
    ((code & 0xff) === SQLite.SQLITE_IOERR || (code & 0xff) === SQLite.SQLITE_FULL)
  )
}

/**
 * An I/O error whose cause was the quota (the access handle wrote short, or threw QuotaExceededError; on the
 * IndexedDB fallback, a page-writing transaction aborted with QuotaExceededError) becomes StorageQuotaError;
 * anything else stays as it is.
 */
export function quotaFailure(
  error: unknown,
  databaseName: string,
  causes: readonly unknown[],
): StorageQuotaError | undefined {
  if (!isStorageFailure(error)) return undefined
  type Cause = { name?: unknown; message?: unknown } | null | undefined
  const cause = (causes as Cause[]).find(
    (c) => c?.name === 'QuotaExceededError' || c?.message === 'short write',
  )
  return cause
    ? new StorageQuotaError(databaseName, `${String(cause.name)}: ${String(cause.message)}`)
    : undefined
}

/**
 * False when the OPFS file that holds database `databaseName` is gone (the origin's storage was cleared:
 * "Clear site data", `Storage.clearDataForOrigin`, or the OPFS root removed recursively). Chromium refuses to
 * remove the file itself while the leader holds its access handles; clearing the storage removes it anyway,
 * and the handles then write nothing. Asked only after an I/O error, so commits pay nothing for it.
 */
export async function opfsFileExists(databaseName: string): Promise<boolean> {
  // The VFS's path, as it derives it: the name as a file URL path (kept encoded), split at '/'.
  const parts = new URL(databaseName, 'file://').pathname.split('/').filter((part) => part)
  const file = parts.pop()
  try {
    let directory = await navigator.storage.getDirectory()
    for (const part of parts) directory = await directory.getDirectoryHandle(part)
    await directory.getFileHandle(file ?? '')
    return true
  } catch (error) {
    const name = (error as { name?: unknown })?.name
    return !(name === 'NotFoundError' || name === 'TypeError')
  }
}

/**
 * Core's DatabaseFileReplacedError (its class and code, so every tab revives it as that and core stops the
 * persistence), with what it means in a browser: the site's storage was cleared, and what to do about it.
 */
export function storageClearedError(databaseName: string): DatabaseFileReplacedError {
  const error = new DatabaseFileReplacedError(databaseName, 'deleted')
  error.message =
    `The database file of PersistDB database "${databaseName}" was deleted while PersistDB had it open: this ` +
    `site's storage was cleared (Clear site data, or the storage removed by code). Nothing written from now on ` +
    `would be kept, so this database stopped: the write that found this was rolled back and nothing after it is ` +
    `acknowledged. The rows it held are gone with the site's data; reload every tab of this site to start a new, ` +
    `empty database.`
  return error
}
