import { existsSync, renameSync, rmSync } from 'node:fs'
import {
  ensureIndex,
  fieldIndex,
  headSeq,
  InvalidExportError,
  migrate,
  openCollection,
  pruneChanges,
  requireResync,
  writeBatch,
  type RowWrite,
  type StoredKey,
} from '@persistdb/core/inspect'
import { createFile, type OpenFile } from './database'
import { parseLine, storedText, type CollectionLine, type EndLine } from './export-format'
import { silent, type Progress } from './progress'
import { UsageError } from './usage-error'

const WRITER = `persistdb-cli-import`
const BATCH = 1000

interface Current {
  readonly line: CollectionLine
  readonly num: number
  readonly table: string
  readonly keys: Set<StoredKey>
  rows: RowWrite[]
  meta: Array<readonly [string, string]>
}

/**
 * `persistdb import`: builds a new file from an export through core's own write path (openCollection,
 * writeBatch, the index DDL), in one transaction on a temporary file that is renamed into place only when
 * the whole export was read and checked. A bad or truncated export leaves no file behind.
 */
export async function importFile(
  lines: AsyncIterable<string>,
  target: string,
  progress: Progress = silent,
): Promise<{ collections: number; rows: number }> {
  if (existsSync(target)) {
    throw new UsageError(
      `${target} exists; import writes a new file. Choose another path or remove it first.`,
    )
  }
  const temp = `${target}.importing-${process.pid}`
  removeDatabase(temp)
  const file = createFile(temp)
  try {
    file.db.exec('BEGIN IMMEDIATE')
    file.run(migrate())
    const totals = await readExport(file, lines, progress)
    file.run(pruneChanges(file.run(headSeq()), 1, 0))
    file.db.exec('COMMIT')
    file.close()
    renameSync(temp, target)
    return totals
  } catch (error) {
    if (file.db.open) file.close()
    removeDatabase(temp)
    throw error
  }
}

async function readExport(
  file: OpenFile,
  lines: AsyncIterable<string>,
  progress: Progress,
): Promise<{ collections: number; rows: number }> {
  let n = 0
  let current: Current | undefined
  let end: EndLine | undefined
  let collections = 0
  let rows = 0
  const ids = new Set<string>()
  progress.start('import', 0)
  for await (const text of lines) {
    n++
    if (text.trim() === '') continue
    const line = parseLine(text, n)
    if (end) throw new InvalidExportError(n, 'follows the end line')
    if (n === 1 ? line.type !== 'persistdb-export' : line.type === 'persistdb-export') {
      throw new InvalidExportError(n, n === 1 ? 'is not a persistdb export header' : 'repeats the header')
    }
    switch (line.type) {
      case 'collection': {
        if (current) finish(file, current)
        if (ids.has(line.id)) throw new InvalidExportError(n, `repeats collection "${line.id}"`)
        ids.add(line.id)
        const opened = file.run(openCollection(line.id, line.kind, line.schemaVersion, WRITER, undefined))
        current = { line, num: opened.num, table: opened.table, keys: new Set(), rows: [], meta: [] }
        collections++
        break
      }
      case 'meta':
        if (!current) throw new InvalidExportError(n, 'comes before any collection')
        current.meta.push([line.key, storedText(n, 'metadata value', line.value)!])
        break
      case 'row': {
        if (!current) throw new InvalidExportError(n, 'comes before any collection')
        if (current.keys.has(line.key))
          throw new InvalidExportError(n, `repeats key ${JSON.stringify(line.key)}`)
        current.keys.add(line.key)
        current.rows.push({
          key: line.key,
          value: storedText(n, 'value', line.value),
          meta: storedText(n, 'row metadata value', line.meta),
        })
        rows++
        if (current.rows.length >= BATCH) {
          flush(file, current)
          progress.advance(BATCH)
        }
        break
      }
      case 'end':
        end = line
        break
    }
  }
  if (current) finish(file, current)
  progress.advance(rows % BATCH)
  progress.done()
  if (!end) throw new InvalidExportError(0, 'has no end line: it was cut short')
  if (end.collections !== collections || end.rows !== rows) {
    throw new InvalidExportError(
      n,
      `counts ${end.collections} collections and ${end.rows} rows, but ${collections} and ${rows} were read`,
    )
  }
  return { collections, rows }
}

function flush(file: OpenFile, c: Current): void {
  if (c.rows.length === 0 && c.meta.length === 0) return
  file.run(writeBatch(c.num, c.table, { truncate: false, rows: c.rows, collectionMeta: c.meta }, WRITER))
  c.rows = []
  c.meta = []
}

function finish(file: OpenFile, c: Current): void {
  flush(file, c)
  for (const field of c.line.indexes) {
    const def = fieldIndex(c.table, field)
    if (!def) throw new InvalidExportError(0, `lists an index of "${c.line.id}" PersistDB cannot create`)
    file.run(ensureIndex(def))
  }
  if (c.line.resyncRequired) file.run(requireResync(c.num))
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
}
