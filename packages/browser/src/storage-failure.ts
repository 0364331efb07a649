/** Telling a failed write's cause from SQLite's result code and what the VFS recorded behind it. */
import * as SQLite from '@journeyapps/wa-sqlite'
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
