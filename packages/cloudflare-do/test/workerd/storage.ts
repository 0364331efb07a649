/** Direct looks at a Durable Object's SQLite storage, for assertions and set-up. */

/** Drops every table PersistDB created (their indexes go with them): the storage is empty again. */
export function dropPersistDBTables(storage: DurableObjectStorage): void {
  const tables = storage.sql
    .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'persistdb%'`)
    .toArray()
  storage.transactionSync(() => {
    for (const { name } of tables) storage.sql.exec(`DROP TABLE "${name.replaceAll('"', '""')}"`)
  })
}

/** Names of the user-visible tables in the object's database. */
export function tableNames(storage: DurableObjectStorage): string[] {
  return storage.sql
    .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
    .toArray()
    .map((r) => r.name)
}
