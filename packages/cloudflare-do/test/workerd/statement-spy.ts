/** A Durable Object storage that records every statement the driver sends to workerd. */
import type { DOStorage } from '../../src'

export interface SpiedStorage extends DOStorage {
  readonly statements: string[]
  /** The largest number of bindings any statement carried. */
  readonly maxBindings: number
  /** How many `transactionSync` calls were made. */
  readonly transactions: number
}

export function spyOnStatements(storage: DurableObjectStorage): SpiedStorage {
  const statements: string[] = []
  let maxBindings = 0
  let transactions = 0
  return {
    statements,
    get maxBindings() {
      return maxBindings
    },
    get transactions() {
      return transactions
    },
    sql: {
      exec(query: string, ...bindings: unknown[]) {
        statements.push(query)
        maxBindings = Math.max(maxBindings, bindings.length)
        return storage.sql.exec(query, ...bindings)
      },
    },
    transactionSync: (closure) => {
      transactions++
      return storage.transactionSync(closure)
    },
  }
}

/** SQL Durable Objects refuse (toolchain notes): the driver and core must never send it. */
export const REFUSED_BY_WORKERD: ReadonlyArray<{ sql: string; pattern: RegExp }> = [
  { sql: 'BEGIN', pattern: /\bBEGIN\b/i },
  { sql: 'SAVEPOINT sp', pattern: /\bSAVEPOINT\b/i },
  { sql: 'PRAGMA user_version', pattern: /PRAGMA\s+user_version/i },
  { sql: 'PRAGMA journal_mode = WAL', pattern: /PRAGMA\s+journal_mode/i },
  { sql: `ATTACH DATABASE 'other.db' AS other`, pattern: /\bATTACH\b/i },
  { sql: 'SELECT sqlite_version() AS v', pattern: /sqlite_version\s*\(/i },
]
