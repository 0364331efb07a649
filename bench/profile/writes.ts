/**
 * Profiles single-row write transactions (W2 1/tx shape) through PersistDB: run with --cpu-prof to see
 * where the time goes.   node --cpu-prof --import tsx bench/profile/writes.ts [rows=10000]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as db from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '@persistdb/node'
import { makeRows, type BenchRow } from '../src/rows'

const n = Number(process.argv[2] ?? 10_000)
const dir = mkdtempSync(join(tmpdir(), 'persistdb-writes-'))
const persistence = createNodeSQLitePersistence({ path: join(dir, 'db.sqlite') })
// --floor: TanStack DB alone (local-only, no persistence), the in-memory part of the same work.
const collection = process.argv.includes('--floor')
  ? db.createCollection(
      db.localOnlyCollectionOptions<BenchRow, string>({ id: 'items', getKey: (row) => row.id }),
    )
  : db.createCollection(
      persistedCollectionOptions<BenchRow, string>({ id: 'items', getKey: (row) => row.id, persistence }),
    )
await collection.preload()
const rows = makeRows(n)
let t0 = performance.now()
for (const row of rows) await collection.insert(row).isPersisted.promise
const insertMs = performance.now() - t0
t0 = performance.now()
for (const row of rows)
  await collection.update(row.id, (draft) => {
    draft.score += 1
  }).isPersisted.promise
const updateMs = performance.now() - t0
t0 = performance.now()
for (const row of rows) await collection.delete(row.id).isPersisted.promise
const deleteMs = performance.now() - t0
console.log(
  `${n} rows, 1/tx: insert ${insertMs.toFixed(0)} ms, update ${updateMs.toFixed(0)} ms, delete ${deleteMs.toFixed(0)} ms`,
)
await collection.cleanup()
await persistence.close()
rmSync(dir, { recursive: true, force: true })
