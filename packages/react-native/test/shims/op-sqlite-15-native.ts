/**
 * A faithful shim of op-sqlite 15.0/15.1 on a device, for the versions that
 * ship no Node build (the Node build arrived in 15.2.0). Typed against
 * op-sqlite 15's own `DB` (`satisfies DB` below), backed by real SQLite
 * (better-sqlite3). What it reproduces, from op-sqlite 15.0.1's sources:
 *
 * - the native side answers `execute` on its own thread, so the promise
 *   settles on a later macrotask, with `rawRows` (arrays of values) and
 *   `columnNames`; BLOBs come back as `ArrayBuffer`, 64-bit integers as
 *   doubles; `insertId` only when rows were affected;
 * - the JS layer (`enhanceDB`) builds `rows` objects from them and deletes
 *   `rawRows`, sends a typed array's whole `.buffer` as a parameter, and runs
 *   `transaction` / `executeBatch` through one queue started with
 *   `setImmediate`, each as `BEGIN TRANSACTION` (deferred) ... `COMMIT`, or
 *   `ROLLBACK` when the body throws.
 *
 * `shape` re-shapes results the way other op-sqlite releases did, so the
 * driver is tested end to end on each (result-shapes.test.ts).
 */
import { dirname, join } from 'node:path'
import { mkdirSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { BatchQueryResult, DB, QueryResult, Scalar, SQLBatchTuple, Transaction } from 'op-sqlite-15'

export type ResultShape =
  /** op-sqlite 9 to 18 through its JS layer: `rows` objects (+ `columnNames`). */
  | 'objects'
  /** The native result without the JS layer: `rawRows` + `columnNames`, no `rows`. */
  | 'rawRows'
  /** WebSQL style (op-sqlite before 6): `rows: { _array, length, item(i) }`. */
  | '_array'
  /** Columnar: `rows` as arrays of values, named by `metadata`. */
  | 'columnar'
  /** Something no op-sqlite release returned: the driver must refuse it. */
  | 'unknown'

interface NativeResult {
  rowsAffected: number
  insertId?: number
  rawRows: unknown[][]
  columnNames: string[]
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve))

export function openOpSQLite15Shim(
  options: { name: string; location?: string },
  shape: ResultShape = 'objects',
): DB {
  const path = options.location === ':memory:' ? ':memory:' : join(options.location ?? '.', options.name)
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path)

  // The native side: one statement, values as JSI hands them over.
  const native = (query: string, params?: Scalar[]): NativeResult => {
    const statement = sqlite.prepare(query)
    const bound = (params ?? []).map((p) => (p instanceof ArrayBuffer ? Buffer.from(p) : p))
    if (statement.reader) {
      const rawRows = (statement.raw(true).all(...bound) as unknown[][]).map((row) =>
        row.map((v) => (Buffer.isBuffer(v) ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v)),
      )
      return { rowsAffected: 0, rawRows, columnNames: statement.columns().map((c) => c.name) }
    }
    const info = statement.run(...bound)
    const result: NativeResult = { rowsAffected: info.changes, rawRows: [], columnNames: [] }
    if (info.changes > 0 && Number(info.lastInsertRowid) !== 0) result.insertId = Number(info.lastInsertRowid)
    return result
  }

  // op-sqlite 15.0's sanitizeArrayBuffersInArray: a view goes over as its whole buffer.
  const sanitize = (params?: Scalar[]): Scalar[] | undefined =>
    params?.map((p) => (ArrayBuffer.isView(p) ? (p.buffer as ArrayBuffer) : p))

  const shaped = (result: NativeResult): QueryResult => {
    const rows = result.rawRows.map((raw) => {
      const row: Record<string, unknown> = {}
      result.columnNames.forEach((name, j) => (row[name] = raw[j]))
      return row
    })
    const base = {
      rowsAffected: result.rowsAffected,
      ...(result.insertId ? { insertId: result.insertId } : {}),
    }
    const out: Record<string, unknown> = (() => {
      switch (shape) {
        case 'objects':
          return { ...base, columnNames: result.columnNames, rows }
        case 'rawRows':
          return { ...base, rawRows: result.rawRows, columnNames: result.columnNames }
        case '_array':
          return { ...base, rows: { _array: rows, length: rows.length, item: (i: number) => rows[i] } }
        case 'columnar':
          return {
            ...base,
            rows: result.rawRows,
            metadata: result.columnNames.map((name, index) => ({ name, type: 'UNKNOWN', index })),
          }
        case 'unknown':
          return { ...base, results: rows }
      }
    })()
    return out as unknown as QueryResult
  }

  const executeSync = (query: string, params?: Scalar[]): QueryResult =>
    shaped(native(query, sanitize(params)))
  const execute = async (query: string, params?: Scalar[]): Promise<QueryResult> => {
    const sanitized = sanitize(params)
    await nextMacrotask()
    return shaped(native(query, sanitized))
  }

  // enhanceDB's transaction queue.
  const queue: (() => void)[] = []
  let inProgress = false
  const startNext = () => {
    if (inProgress) return
    const next = queue.shift()
    if (!next) return
    inProgress = true
    setImmediate(next)
  }
  const enqueue = <T>(run: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        run()
          .then(resolve, reject)
          .finally(() => {
            inProgress = false
            startNext()
          })
      })
      startNext()
    })

  const transaction = (fn: (tx: Transaction) => Promise<void>): Promise<void> =>
    enqueue(async () => {
      let finalized = false
      const guard = () => {
        if (finalized)
          throw new Error(
            `OP-Sqlite Error: Database: ${options.name}. Cannot execute query on finalized transaction`,
          )
      }
      const commit = async (): Promise<QueryResult> => {
        guard()
        const result = executeSync('COMMIT;')
        finalized = true
        return result
      }
      const rollback = (): QueryResult => {
        guard()
        const result = executeSync('ROLLBACK;')
        finalized = true
        return result
      }
      executeSync('BEGIN TRANSACTION;')
      try {
        await fn({ commit, rollback, execute: async (q, p) => (guard(), execute(q, p)) })
        if (!finalized) await commit()
      } catch (error) {
        if (!finalized) rollback()
        throw error
      }
    })

  const executeBatch = (commands: SQLBatchTuple[]): Promise<BatchQueryResult> =>
    enqueue(async () => {
      executeSync('BEGIN TRANSACTION;')
      try {
        await nextMacrotask()
        let rowsAffected = 0
        for (const [query, params] of commands) {
          const sets = Array.isArray(params?.[0]) ? (params as Scalar[][]) : [(params ?? []) as Scalar[]]
          for (const set of sets) rowsAffected += native(query, sanitize(set)).rowsAffected
        }
        executeSync('COMMIT;')
        return { rowsAffected }
      } catch (error) {
        executeSync('ROLLBACK;')
        throw error
      }
    })

  const notShimmed = (what: string) => () => {
    throw new Error(`${what} is not part of the op-sqlite 15 shim`)
  }

  return {
    close: () => sqlite.close(),
    closeAsync: async () => void sqlite.close(),
    delete: notShimmed('delete'),
    attach: notShimmed('attach'),
    detach: notShimmed('detach'),
    transaction,
    executeSync,
    execute,
    executeWithHostObjects: execute,
    executeBatch,
    loadFile: notShimmed('loadFile'),
    updateHook: notShimmed('updateHook'),
    commitHook: notShimmed('commitHook'),
    rollbackHook: notShimmed('rollbackHook'),
    prepareStatement: notShimmed('prepareStatement'),
    loadExtension: notShimmed('loadExtension'),
    executeRaw: async (query, params) => {
      const sanitized = sanitize(params)
      await nextMacrotask()
      return native(query, sanitized).rawRows
    },
    executeRawSync: (query, params) => native(query, sanitize(params)).rawRows,
    getDbPath: () => path,
    reactiveExecute: notShimmed('reactiveExecute'),
    sync: notShimmed('sync'),
    setReservedBytes: notShimmed('setReservedBytes'),
    getReservedBytes: () => 0,
    flushPendingReactiveQueries: async () => undefined,
  } satisfies DB
}
