/** The raw floor's bench page: sends plain SQL to its wa-sqlite worker (raw-worker.ts) and parses the JSON rows. */
import { checkRows, checkTop, type BenchCollection } from '../../collection-ops'
import { makeRows, TOP_QUERY, type BenchRow } from '../../rows'
import type { BenchPageApi } from './api'
import { opfsFiles } from './opfs-files'
import type { RawRequest, RawResponse } from './raw-protocol'

// The index and the query use the identical expression with an inlined path, so SQLite uses the index.
const SCORE = `json_extract(value, '$.score')`
const CATEGORY = `json_extract(value, '$.meta.category')`
const TOP_SQL = `SELECT value FROM items WHERE ${CATEGORY} = ? AND ${SCORE} > ? ORDER BY ${SCORE} DESC LIMIT ?`
const INSERT = 'INSERT INTO items (key, value) VALUES (?, ?)'

type Request = RawRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never

class RawConnection {
  private readonly worker = new Worker('/raw-worker.js', { type: 'module' })
  private readonly pending = new Map<number, (response: RawResponse) => void>()
  private nextId = 1

  constructor() {
    this.worker.addEventListener('message', (event: MessageEvent<RawResponse>) => {
      this.pending.get(event.data.id)?.(event.data)
      this.pending.delete(event.data.id)
    })
  }

  send(request: Request): Promise<unknown[][]> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, (response) =>
        response.ok ? resolve(response.rows) : reject(new Error(response.error)),
      )
      this.worker.postMessage({ ...request, id })
    })
  }

  async close(): Promise<void> {
    await this.send({ op: 'close' })
    this.worker.terminate()
  }
}

const connections: RawConnection[] = []

async function connect(databaseName: string): Promise<RawConnection> {
  const connection = new RawConnection()
  connections.push(connection)
  await connection.send({ op: 'open', databaseName })
  return connection
}

async function release(connection: RawConnection): Promise<void> {
  connections.splice(connections.indexOf(connection), 1)
  await connection.close()
}

async function writeRows(connection: RawConnection, rows: BenchRow[]): Promise<void> {
  await connection.send({ op: 'tx', sql: INSERT, rows: rows.map((row) => [row.id, JSON.stringify(row)]) })
}

/** Every row, parsed, keyed by id (what a persistence hands its collection). */
async function readAll(connection: RawConnection): Promise<Map<string, BenchRow>> {
  const rows = await connection.send({ op: 'all', sql: 'SELECT key, value FROM items' })
  const byKey = new Map<string, BenchRow>()
  for (const [key, value] of rows) byKey.set(key as string, JSON.parse(value as string) as BenchRow)
  return byKey
}

/** The checks of collection-ops over a plain map. */
const asCollection = (rows: Map<string, BenchRow>) =>
  ({ size: rows.size, get: (key: string) => rows.get(key) }) as unknown as BenchCollection

const api: BenchPageApi = {
  async seed(databaseName, n) {
    const connection = await connect(databaseName)
    for (let from = 0; from < n; from += 5000)
      await writeRows(connection, makeRows(Math.min(5000, n - from), from))
    await release(connection)
  },

  async hydrate(databaseName, n) {
    const start = performance.now()
    const connection = await connect(databaseName)
    const rows = await readAll(connection)
    const readyMs = performance.now() - start
    checkRows(asCollection(rows), n)
    await release(connection)
    return { readyMs }
  },

  async insert(databaseName, n, perTx) {
    const rows = makeRows(n)
    const connection = await connect(databaseName)
    const latencies: number[] = []
    const start = performance.now()
    for (let i = 0; i < rows.length; i += perTx) {
      const began = performance.now()
      await writeRows(connection, rows.slice(i, i + perTx))
      latencies.push(performance.now() - began)
    }
    const ms = performance.now() - start
    await release(connection)
    const again = await connect(databaseName)
    checkRows(asCollection(await readAll(again)), n)
    await release(again)
    return { ms, latencies }
  },

  async hold() {
    throw new Error('raw wa-sqlite has no follower tab')
  },

  async topQuery(databaseName, expectedIds, indexed) {
    const start = performance.now()
    const connection = await connect(databaseName)
    if (indexed)
      await connection.send({ op: 'all', sql: `CREATE INDEX IF NOT EXISTS items_score ON items (${SCORE})` })
    const params = [TOP_QUERY.category, TOP_QUERY.minScore, TOP_QUERY.limit]
    const found = (await connection.send({ op: 'all', sql: TOP_SQL, params })).map(
      ([value]) => JSON.parse(value as string) as BenchRow,
    )
    const ms = performance.now() - start
    checkTop(found, expectedIds)
    // The plan proves which figure this is: a search on the score index, or a scan of the table.
    const plan = (await connection.send({ op: 'all', sql: `EXPLAIN QUERY PLAN ${TOP_SQL}`, params }))
      .map((row) => String(row[3]))
      .join('; ')
    if (indexed !== /USING INDEX items_score/.test(plan)) throw new Error(`unexpected plan: ${plan}`)
    await release(connection)
    return { ms, loaded: found.length }
  },

  async readIds(databaseName) {
    const connection = await connect(databaseName)
    const ids = (await connection.send({ op: 'all', sql: 'SELECT key FROM items ORDER BY key' })).map(
      ([key]) => key as string,
    )
    await release(connection)
    return ids
  },

  async close() {
    for (const connection of [...connections].reverse()) await release(connection)
  },

  opfsFiles,
}

;(window as unknown as { bench: BenchPageApi }).bench = api
