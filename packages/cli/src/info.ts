import {
  listCollections,
  listPersistdbObjects,
  readStoredIndex,
  describeField,
  summarizeChangeLog,
  type ChangeLogSummary,
} from '@persistdb/core/inspect'
import { requirePersistdb } from './collections'
import type { OpenFile } from './database'

export interface CollectionInfo {
  readonly id: string
  readonly number: number
  readonly kind: string
  readonly schemaVersion: number
  readonly resyncRequired: boolean
  readonly rows: number
  /** Keys that carry row metadata but no row (kept for the sync source). */
  readonly metadataOnlyKeys: number
  /** Pages of the rows table and its indexes (dbstat), in bytes. */
  readonly bytes: number
  readonly indexes: readonly string[]
}

export interface FileInfo {
  readonly file: string
  readonly format: number
  readonly pageSize: number
  readonly fileBytes: number
  readonly journalMode: string
  readonly collections: readonly CollectionInfo[]
  readonly changeLog: ChangeLogSummary
}

/** What `persistdb info` reports. One read transaction: the figures are one consistent snapshot. */
export function gatherInfo(file: OpenFile): FileInfo {
  requirePersistdb(file)
  const { db } = file
  return db.transaction(() => {
    const objects = file.run(listPersistdbObjects())
    const bytes = pageBytes(file)
    const collections = file.run(listCollections()).map((c): CollectionInfo => {
      const counts = db
        .prepare(`SELECT count(value) AS rows, count(*) - count(value) AS metaOnly FROM ${c.table}`)
        .get() as { rows: number; metaOnly: number }
      const indexes = objects.filter((o) => o.type === 'index' && `"${o.table}"` === c.table)
      return {
        id: c.name,
        number: c.num,
        kind: c.kind,
        schemaVersion: c.schemaVersion,
        resyncRequired: c.resyncRequired,
        rows: counts.rows,
        metadataOnlyKeys: counts.metaOnly,
        bytes: [c.table.slice(1, -1), ...indexes.map((i) => i.name)].reduce(
          (n, t) => n + (bytes.get(t) ?? 0),
          0,
        ),
        indexes: indexes.map((i) => {
          const stored = readStoredIndex(c.table, i.name, i.sql)
          return stored.ok ? describeField(stored.field) : `${i.name} (damaged: see persistdb verify)`
        }),
      }
    })
    const pageSize = Number(db.pragma('page_size', { simple: true }))
    const pageCount = Number(db.pragma('page_count', { simple: true }))
    return {
      file: file.path,
      format: file.format,
      pageSize,
      fileBytes: pageSize * pageCount,
      journalMode: String(db.pragma('journal_mode', { simple: true })),
      collections,
      changeLog: file.run(summarizeChangeLog()),
    }
  })()
}

function pageBytes(file: OpenFile): Map<string, number> {
  const rows = file.db.prepare(`SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name`).all() as Array<{
    name: string
    bytes: number
  }>
  return new Map(rows.map((r) => [r.name, r.bytes]))
}

export function formatInfo(info: FileInfo): string {
  const lines = [
    `file            ${info.file}`,
    `storage format  ${info.format}`,
    `size            ${bytes(info.fileBytes)} (${info.pageSize}-byte pages, journal ${info.journalMode})`,
    `collections     ${info.collections.length}`,
  ]
  if (info.collections.length > 0) {
    lines.push('')
    lines.push(
      ...table(
        ['id', 'kind', 'schema', 'rows', 'bytes', 'indexes'],
        info.collections.map((c) => [
          c.id,
          c.kind + (c.resyncRequired ? ' (resync required)' : ''),
          String(c.schemaVersion),
          String(c.rows) + (c.metadataOnlyKeys > 0 ? ` (+${c.metadataOnlyKeys} metadata-only)` : ''),
          bytes(c.bytes),
          c.indexes.join(', ') || '-',
        ]),
      ),
    )
  }
  const log = info.changeLog
  lines.push('')
  lines.push(
    `change log      ${log.entries} entries` +
      (log.firstSeq === null ? '' : ` (seq ${log.firstSeq}..${log.lastSeq})`),
  )
  lines.push(`writers seen    ${log.writers.length}`)
  for (const w of log.writers) {
    lines.push(
      `  ${w.writer}  ${w.entries} ${w.entries === 1 ? 'entry' : 'entries'}, last ${new Date(w.lastAt).toISOString()}`,
    )
  }
  return lines.join('\n')
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)]
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}
