import {
  decodeKey,
  decodeValue,
  listCollections,
  listPersistdbObjects,
  mayReadAsUnknown,
  parseObjectName,
  plainTypesKey,
  readStoredIndex,
  type CollectionEntry,
} from '@persistdb/core/inspect'
import { openReadOnly, type OpenFile } from './database'
import { renderHuman } from './render'
import { silent, type Progress } from './progress'

/** At most this many problems are listed per check; the rest are counted. */
const LISTED = 20

const TABLES = ['persistdb_meta', 'persistdb_collections', 'persistdb_collection_meta', 'persistdb_changes']

/**
 * `persistdb verify`: every check runs even when an earlier one failed (a damaged page usually breaks one
 * table, not the file), and each problem says where it is. Empty result: the file is healthy.
 */
export function verifyFile(path: string, progress: Progress = silent): string[] {
  let file: OpenFile
  try {
    file = openReadOnly(path)
  } catch (error) {
    return [`cannot be read as a PersistDB file: ${message(error)}`]
  }
  try {
    if (file.format === 0) return ['holds no PersistDB data (no persistdb_meta table)']
    const problems: string[] = []
    file.db.exec('BEGIN')
    check(problems, 'SQLite integrity', () => integrity(file))
    check(problems, 'format', () => formatTables(file))
    let collections: readonly CollectionEntry[] = []
    check(problems, 'registry', () => {
      collections = file.run(listCollections())
      return registry(file, collections)
    })
    for (const c of collections) check(problems, `collection "${c.name}"`, () => rows(file, c, progress))
    check(problems, 'collection metadata', () => collectionMeta(file, collections))
    check(problems, 'change log', () => changeLog(file))
    return problems
  } finally {
    // A read transaction: ending it commits nothing, and on a damaged file COMMIT itself may fail.
    if (file.db.inTransaction) {
      try {
        file.db.exec('ROLLBACK')
      } catch {
        // closing ends it anyway
      }
    }
    file.close()
  }
}

function check(problems: string[], what: string, run: () => string[]): void {
  let found: string[]
  try {
    found = run()
  } catch (error) {
    found = [`could not be read: ${message(error)}`]
  }
  for (const p of found.slice(0, LISTED)) problems.push(`${what}: ${p}`)
  if (found.length > LISTED) problems.push(`${what}: ... and ${found.length - LISTED} more`)
}

function integrity(file: OpenFile): string[] {
  try {
    return integrityLines(file, 'integrity_check(100)')
  } catch (error) {
    // SQLite gives up on some damage as a whole (SQLITE_CORRUPT): check table by table to say where it is.
    const tables = file.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .pluck()
      .all() as string[]
    const problems: string[] = [`the file is damaged (${message(error)})`]
    for (const table of tables) {
      try {
        problems.push(...integrityLines(file, `integrity_check("${table.replaceAll('"', '""')}")`))
      } catch (inner) {
        problems.push(`table ${table} is damaged: ${message(inner)}`)
      }
    }
    return problems
  }
}

function integrityLines(file: OpenFile, pragma: string): string[] {
  const result = file.db.pragma(pragma, { simple: false }) as Array<Record<string, string>>
  return result.map((r) => Object.values(r)[0]!).filter((line) => line !== 'ok')
}

function formatTables(file: OpenFile): string[] {
  const present = new Set(file.run(listPersistdbObjects()).map((o) => o.name))
  return TABLES.filter((t) => !present.has(t)).map((t) => `table ${t} is missing`)
}

function registry(file: OpenFile, collections: readonly CollectionEntry[]): string[] {
  const problems: string[] = []
  const objects = file.run(listPersistdbObjects())
  const known = new Map(collections.map((c) => [c.num, c]))
  for (const c of collections) {
    if (c.kind !== 'local' && c.kind !== 'synced') problems.push(`"${c.name}" has unknown kind ${c.kind}`)
    if (!objects.some((o) => o.type === 'table' && `"${o.name}"` === c.table))
      problems.push(`"${c.name}" has no rows table ${c.table}`)
  }
  for (const o of objects) {
    const parsed = parseObjectName(o.name)
    if (!parsed) continue
    const owner = known.get(parsed.num)
    if (!owner) {
      problems.push(`${o.type} ${o.name} belongs to no registered collection`)
      continue
    }
    if (parsed.part !== 'index') continue
    const stored = readStoredIndex(owner.table, o.name, o.sql)
    if (!stored.ok) problems.push(`index ${o.name} of "${owner.name}" ${stored.problem}`)
  }
  return problems
}

function rows(file: OpenFile, c: CollectionEntry, progress: Progress): string[] {
  const problems: string[] = []
  const plain =
    file.db.prepare(`SELECT 1 FROM persistdb_meta WHERE key = ?`).get(plainTypesKey(c.num)) !== undefined
  const total = (file.db.prepare(`SELECT count(*) AS n FROM ${c.table}`).get() as { n: number }).n
  progress.start(`verify ${c.name}`, total)
  let n = 0
  for (const row of file.db.prepare(`SELECT key, value, meta FROM ${c.table}`).iterate() as Iterable<{
    key: unknown
    value: unknown
    meta: unknown
  }>) {
    if (++n % 1000 === 0) progress.advance(1000)
    let key: unknown = row.key
    try {
      key = decodeKey(row.key)
    } catch (error) {
      problems.push(`key ${String(row.key)} is not a valid key: ${message(error)}`)
    }
    const at = `row ${renderHuman(key)}`
    if (row.value === null && row.meta === null) problems.push(`${at} has neither a value nor metadata`)
    if (row.value !== null) {
      if (typeof row.value !== 'string') problems.push(`${at}: value is not text`)
      else {
        decodes(problems, `${at}: value`, row.value)
        if (plain && mayReadAsUnknown(row.value))
          problems.push(`${at} holds a value queries cannot type, yet the collection is marked plain-typed`)
      }
    }
    if (row.meta !== null) {
      if (typeof row.meta !== 'string') problems.push(`${at}: metadata is not text`)
      else decodes(problems, `${at}: metadata`, row.meta)
    }
  }
  progress.advance(n % 1000)
  progress.done()
  return problems
}

function collectionMeta(file: OpenFile, collections: readonly CollectionEntry[]): string[] {
  const problems: string[] = []
  const known = new Set(collections.map((c) => c.num))
  const rows = file.db
    .prepare(`SELECT collection, key, value FROM persistdb_collection_meta`)
    .all() as Array<{
    collection: number
    key: string
    value: string
  }>
  for (const r of rows) {
    if (!known.has(r.collection))
      problems.push(`key ${JSON.stringify(r.key)} belongs to no collection (#${r.collection})`)
    else decodes(problems, `key ${JSON.stringify(r.key)} of collection #${r.collection}`, r.value)
  }
  return problems
}

function changeLog(file: OpenFile): string[] {
  const problems: string[] = []
  const rows = file.db
    .prepare(`SELECT seq, collection, writer, keys, at FROM persistdb_changes ORDER BY seq`)
    .iterate()
  for (const r of rows as Iterable<{
    seq: unknown
    collection: unknown
    writer: unknown
    keys: unknown
    at: unknown
  }>) {
    const at = `entry ${String(r.seq)}`
    if (!Number.isInteger(r.seq) || (r.seq as number) < 1)
      problems.push(`${at}: seq is not a positive integer`)
    if (!Number.isInteger(r.collection)) problems.push(`${at}: collection is not a number`)
    if (typeof r.writer !== 'string' || r.writer === '') problems.push(`${at}: no writer id`)
    if (!Number.isInteger(r.at)) problems.push(`${at}: time is not an integer`)
    if (r.keys !== null && !validKeyList(r.keys)) problems.push(`${at}: changed keys are not a list of keys`)
  }
  return problems
}

function validKeyList(text: unknown): boolean {
  if (typeof text !== 'string') return false
  try {
    const keys: unknown = JSON.parse(text)
    return (
      Array.isArray(keys) &&
      keys.every((k) => typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)))
    )
  } catch {
    return false
  }
}

function decodes(problems: string[], what: string, text: string): void {
  try {
    decodeValue(text)
  } catch (error) {
    problems.push(`${what} does not decode: ${message(error)}`)
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
