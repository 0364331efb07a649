/**
 * Cached seed files under bench/.cache: written once per target through the
 * target's own API, then copied for every run. Delete the folder (or pass
 * --reseed) after a storage change.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runChild } from './child-process'
import type { TargetName } from './jobs'
import { makeRows, topAnswer } from './rows'
import type { SeedKind } from './targets/types'

/** Bump when rows.ts or a seed's shape changes. */
const SEED_VERSION = 2

export const CACHE = fileURLToPath(new URL('../.cache/', import.meta.url))
const SEEDS = join(CACHE, 'seeds')

const SIDECARS = ['', '-wal', '-shm']

export function seedPath(target: TargetName, kind: SeedKind, n: number): string {
  return join(SEEDS, `v${SEED_VERSION}-${target}-${kind}-${n}.sqlite`)
}

/** Bytes of a SQLite file and its WAL. */
export function fileSize(file: string): number {
  return SIDECARS.slice(0, 2).reduce(
    (sum, s) => sum + (existsSync(file + s) ? statSync(file + s).size : 0),
    0,
  )
}

export function copySqlite(from: string, to: string): void {
  for (const s of SIDECARS) {
    rmSync(to + s, { force: true })
    if (existsSync(from + s)) copyFileSync(from + s, to + s)
  }
}

export function removeSqlite(file: string): void {
  for (const s of SIDECARS) rmSync(file + s, { force: true })
}

/** Makes sure the seed exists (tanstack has none); returns its path or undefined. */
export async function ensureSeed(
  target: TargetName,
  kind: SeedKind,
  n: number,
  reseed: boolean,
  log: (line: string) => void,
): Promise<string | undefined> {
  if (target === 'tanstack') return undefined
  const file = seedPath(target, kind, n)
  if (!reseed && existsSync(file)) return file
  mkdirSync(SEEDS, { recursive: true })
  const partial = `${file}.partial`
  removeSqlite(partial)
  const started = Date.now()
  log(`seeding ${target} ${kind} ${n} rows through its own API…`)
  const result = await runChild(
    { target, task: 'seed', file: partial, n, kind },
    { heapMb: 12_288, timeoutMs: 60 * 60_000 },
  )
  if (!result.ok) throw new Error(`seeding ${target} ${kind} ${n} failed: ${result.error}`)
  removeSqlite(file)
  for (const s of SIDECARS) if (existsSync(partial + s)) renameSync(partial + s, file + s)
  log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s, ${(fileSize(file) / 1e6).toFixed(1)} MB`)
  return file
}

/** The ids W4 must return for n rows (cached: 1M rows take seconds to generate). */
export function expectedTopIds(n: number): string[] {
  const file = join(CACHE, `v${SEED_VERSION}-top-${n}.json`)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as string[]
  const rows = []
  for (let from = 0; from < n; from += 50_000)
    rows.push(...topAnswer(makeRows(Math.min(50_000, n - from), from)))
  const ids = topAnswer(rows).map((row) => row.id)
  mkdirSync(CACHE, { recursive: true })
  writeFileSync(file, JSON.stringify(ids))
  return ids
}
