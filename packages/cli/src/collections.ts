import { findCollection, listCollections, rowsTable } from '@persistdb/core/inspect'
import type { OpenFile } from './database'
import { UsageError } from './usage-error'

/** The read verbs need a PersistDB file; a plain SQLite file is a usage error, not an empty result. */
export function requirePersistdb(file: OpenFile): void {
  if (file.format === 0) {
    throw new UsageError(`${file.path} holds no PersistDB data (no persistdb_meta table).`)
  }
}

/** The rows table of the collection the user named, or a usage error listing what exists. */
export function collectionTable(file: OpenFile, name: string): string {
  requirePersistdb(file)
  const found = file.run(findCollection(name))
  if (!found) {
    const names = file.run(listCollections()).map((c) => c.name)
    throw new UsageError(
      `No collection "${name}" in ${file.path}. Collections: ${names.map((n) => JSON.stringify(n)).join(', ') || 'none'}.`,
    )
  }
  return rowsTable(found.num)
}
