/**
 * Times the statements subset-scans.ts logged (DUMP=file) against a raw json_extract scan, interleaved:
 *   node --import tsx bench/profile/replay.ts <db file> <dump file>
 */
import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
const db = new Database(process.argv[2], { readonly: true })
const logged = JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as Array<{
  sql: string
  params: unknown[]
  plan: string
}>
const t = 'persistdb_c1_rows'
const cases: Array<[string, string, unknown[]]> = [
  [
    'raw 2-field scan',
    `SELECT key, value FROM ${t} WHERE json_extract(value,'$.meta.category') = 'c3' AND json_extract(value,'$.score') > 500 ORDER BY json_extract(value,'$.score') DESC LIMIT 50`,
    [],
  ],
  ...logged.map((l, i) => [`stmt ${i}: ${l.plan.slice(0, 50)}`, l.sql, l.params]),
]
const st = cases.map(([, q]) => db.prepare(q))
const times = cases.map((): number[] => [])
for (let r = 0; r < 5; r++)
  cases.forEach(([, , p], i) => {
    const t0 = performance.now()
    st[i].all(...p)
    times[i].push(performance.now() - t0)
  })
cases.forEach(([label], i) => {
  const s = times[i].sort((a, b) => a - b)
  console.log(label.padEnd(70), s[2].toFixed(1), 'ms')
})
