/**
 * The floor: wa-sqlite 2.0.6 used directly in a dedicated worker, on the same OPFS VFS and with the same
 * connection settings as PersistDB's leader (exclusive locking, WAL, synchronous FULL, 32 MB page cache),
 * running plain SQL: one prepared INSERT per row, one transaction per batch, JSON text per row.
 */
import SQLiteESMFactory from '@journeyapps/wa-sqlite/dist/wa-sqlite.mjs'
import * as SQLite from '@journeyapps/wa-sqlite'
import { OPFSCoopSyncVFS } from '@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js'
import type { RawRequest, RawResponse } from './raw-protocol'

type SQLiteAPI = ReturnType<typeof SQLite.Factory>

let engine: Promise<SQLiteAPI> | undefined
let db: number | undefined
const prepared = new Map<string, number>()

function load(): Promise<SQLiteAPI> {
  return (engine ??= (async () => {
    const module: unknown = await SQLiteESMFactory({ locateFile: () => '/wa-sqlite.wasm' })
    const sqlite3 = SQLite.Factory(module)
    const vfs = await OPFSCoopSyncVFS.create('raw-opfs', module)
    sqlite3.vfs_register(vfs as never, true)
    return sqlite3
  })())
}

async function statement(sqlite3: SQLiteAPI, sql: string): Promise<number> {
  const cached = prepared.get(sql)
  if (cached !== undefined) return cached
  for await (const stmt of sqlite3.statements(db!, sql, { unscoped: true })) {
    prepared.set(sql, stmt)
    return stmt
  }
  throw new Error(`empty statement: ${sql}`)
}

async function run(
  sqlite3: SQLiteAPI,
  sql: string,
  params: Array<string | number> = [],
): Promise<unknown[][]> {
  const stmt = await statement(sqlite3, sql)
  try {
    if (params.length) sqlite3.bind_collection(stmt, params)
    const rows: unknown[][] = []
    while ((await sqlite3.step(stmt)) === SQLite.SQLITE_ROW) rows.push(sqlite3.row(stmt))
    return rows
  } finally {
    await sqlite3.reset(stmt)
  }
}

async function handle(request: RawRequest): Promise<unknown[][]> {
  const sqlite3 = await load()
  switch (request.op) {
    case 'open':
      db = await sqlite3.open_v2(
        request.databaseName,
        SQLite.SQLITE_OPEN_CREATE | SQLite.SQLITE_OPEN_READWRITE,
      )
      for (const pragma of ['locking_mode = EXCLUSIVE', 'journal_mode = WAL', 'cache_size = -32768'])
        await sqlite3.exec(db, `PRAGMA ${pragma}`)
      await sqlite3.exec(
        db,
        'CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
      )
      return []
    case 'all':
      return run(sqlite3, request.sql, request.params)
    case 'tx':
      await run(sqlite3, 'BEGIN')
      try {
        for (const params of request.rows) await run(sqlite3, request.sql, params)
        await run(sqlite3, 'COMMIT')
      } catch (error) {
        await run(sqlite3, 'ROLLBACK').catch(() => undefined)
        throw error
      }
      return []
    case 'close':
      for (const stmt of prepared.values()) await sqlite3.finalize(stmt)
      prepared.clear()
      if (db !== undefined) await sqlite3.close(db)
      db = undefined
      return []
  }
}

// One request at a time, in order (as a connection would serve them).
let queue: Promise<unknown> = Promise.resolve()
self.addEventListener('message', (event: MessageEvent<RawRequest>) => {
  const request = event.data
  queue = queue.then(async () => {
    let response: RawResponse
    try {
      response = { id: request.id, ok: true, rows: await handle(request) }
    } catch (error) {
      response = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    self.postMessage(response)
  })
})
