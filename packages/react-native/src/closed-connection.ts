import { errorText } from '@persistdb/core'

/**
 * op-sqlite's words for a closed database: its native build says "[op-sqlite][execute] database is
 * closed" (after `close()`, and after `delete()`, which closes first), its Node build passes on
 * better-sqlite3's "The database connection is not open".
 */
export function isClosedConnection(error: unknown): boolean {
  return /\bdatabase is closed\b|\bdatabase connection is not open\b/i.test(errorText(error))
}
