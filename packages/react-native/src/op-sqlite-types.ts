/**
 * The parts of op-sqlite's `DB` (versions 15 to 18) that PersistDB uses,
 * written structurally so this package never imports op-sqlite's types (its
 * `source` export points at TypeScript that needs React Native's). op-sqlite's
 * own `DB` of 15 and of 18 is checked to satisfy this in test/types.test.ts,
 * so an upstream change to these signatures fails the typecheck.
 */
export type OpSQLiteScalar = string | number | boolean | null | ArrayBuffer | ArrayBufferView

export interface OpSQLiteTransaction {
  execute(query: string, params?: OpSQLiteScalar[]): Promise<unknown>
}

export interface OpSQLiteDatabase {
  /** Resolves to a QueryResult; its shape changed across versions (result-rows.ts reads them all). */
  execute(query: string, params?: OpSQLiteScalar[]): Promise<unknown>
  /**
   * op-sqlite's own transaction: BEGIN, the body, COMMIT (ROLLBACK when the
   * body throws), queued behind the database's other transactions.
   */
  transaction(fn: (tx: OpSQLiteTransaction) => Promise<void>): Promise<void>
  close(): void
  getDbPath(location?: string): string
}

/** op-sqlite's `open({ name, location })`. */
export type OpSQLiteOpen = (options: { name: string; location?: string }) => OpSQLiteDatabase
