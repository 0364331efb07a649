/**
 * Profiles single-row write transactions (W2 1/tx shape) through PersistDB: run with --cpu-prof to see
 * where the time goes.   node --cpu-prof --import tsx bench/profile/writes.ts [rows=10000] [--floor]
 * Prints wall time and this process's CPU time (user + system) per phase: on a loaded machine the CPU
 * time moves far less than the wall time.
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

async function phase(name: string, work: () => Promise<void>): Promise<string> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await work()
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const cpuUs = (cpu.user + cpu.system) / n
  return `${name} ${wall.toFixed(0)} ms (cpu ${cpuUs.toFixed(0)} µs/row)`
}

const results = [
  await phase('insert', async () => {
    for (const row of rows) await collection.insert(row).isPersisted.promise
  }),
  await phase('update', async () => {
    for (const row of rows)
      await collection.update(row.id, (draft) => {
        draft.score += 1
      }).isPersisted.promise
  }),
  await phase('delete', async () => {
    for (const row of rows) await collection.delete(row.id).isPersisted.promise
  }),
]
console.log(`${n} rows, 1/tx: ${results.join(', ')}`)
await collection.cleanup()
await persistence.close()
rmSync(dir, { recursive: true, force: true })
