import {
  ConnectionClosedError,
  errorText,
  ForeignDatabaseError,
  openFailure,
  ReadOnlyDatabaseError,
  sqliteFailureKind,
  type PersistenceError,
} from '@persistdb/core'

/**
 * The typed error for a failure while opening an expo-sqlite database. expo's
 * errors carry SQLite's result code in their text ("Error code 26: file is
 * not a database"), which core's openFailure reads.
 */
export function openError(
  error: unknown,
  file: string,
  busyTimeoutMs: number,
  /** 'read': from the first reads of the file (core's openFailure). */
  phase?: 'read',
): PersistenceError {
  // expo's words for a database closed before PersistDB used it (iOS, Android and the web build).
  if (/Access to closed resource/i.test(errorText(error))) return new ConnectionClosedError(file)
  // expo creates the directory; a read-only parent refuses it.
  if (/permission denied|EACCES/i.test(errorText(error)))
    return new ReadOnlyDatabaseError(file, 'cannot-create', error)
  return (
    openFailure(error, file, busyTimeoutMs, phase) ??
    new ForeignDatabaseError(
      `Could not open ${file} as a PersistDB database (${errorText(error)}). Nothing of PersistDB's was ` +
        `written; check the database name and directory.`,
      error,
    )
  )
}

/** A setting a read-only file refuses is skipped: the file is served for reads, writes fail typed. */
export async function unlessReadOnly(statement: Promise<unknown>): Promise<void> {
  try {
    await statement
  } catch (error) {
    if (sqliteFailureKind(error) !== 'read-only') throw error
  }
}
