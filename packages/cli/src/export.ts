import {
  listCollections,
  listPersistdbObjects,
  readStoredIndex,
  type IndexedField,
} from '@persistdb/core/inspect'
import { collectionTable, requirePersistdb } from './collections'
import { pagedRows, type OpenFile } from './database'
import { embed, EXPORT_VERSION, type ExportLine } from './export-format'
import { silent, type Progress } from './progress'
import { UsageError } from './usage-error'

export interface ExportOptions {
  /** Only this collection (by id); default every collection. */
  readonly collection?: string
  readonly progress?: Progress
}

/** Where lines go; may return a promise to apply backpressure (stdout). */
export type LineSink = (text: string) => void | Promise<void>

/**
 * `persistdb export`: one read transaction, so the export is one consistent snapshot while apps keep
 * writing (WAL readers do not block writers). Never takes the write lock.
 */
export async function exportFile(file: OpenFile, sink: LineSink, options: ExportOptions = {}): Promise<void> {
  requirePersistdb(file)
  const progress = options.progress ?? silent
  const { db } = file
  db.exec('BEGIN')
  try {
    if (options.collection !== undefined) collectionTable(file, options.collection)
    const collections = file
      .run(listCollections())
      .filter((c) => options.collection === undefined || c.name === options.collection)
    const objects = file.run(listPersistdbObjects())
    const emit = (line: ExportLine) => sink(JSON.stringify(line) + '\n')
    await emit({ type: 'persistdb-export', version: EXPORT_VERSION, storageFormat: file.format })
    let total = 0
    for (const c of collections) {
      if (c.kind !== 'local' && c.kind !== 'synced') {
        throw new UsageError(`Collection "${c.name}" has unknown kind ${c.kind}; run persistdb verify.`)
      }
      const indexes: IndexedField[] = []
      for (const o of objects) {
        if (o.type !== 'index' || `"${o.table}"` !== c.table) continue
        const stored = readStoredIndex(c.table, o.name, o.sql)
        if (stored.ok) indexes.push(stored.field)
      }
      await emit({
        type: 'collection',
        id: c.name,
        kind: c.kind,
        schemaVersion: c.schemaVersion,
        resyncRequired: c.resyncRequired,
        indexes,
      })
      const meta = db
        .prepare(`SELECT key, value FROM persistdb_collection_meta WHERE collection = ? ORDER BY key`)
        .all(c.num) as Array<{ key: string; value: string }>
      for (const m of meta)
        await emit({
          type: 'meta',
          key: m.key,
          value: embed(m.value, () => `metadata ${JSON.stringify(m.key)} of "${c.name}"`),
        })
      const count = (db.prepare(`SELECT count(*) AS n FROM ${c.table}`).get() as { n: number }).n
      progress.start(`export ${c.name}`, count)
      let batch = ''
      let inBatch = 0
      for (const row of pagedRows(db, c.table)) {
        batch +=
          JSON.stringify({
            type: 'row',
            key: row.key as string | number,
            value: embed(row.value, () => `the value of row ${JSON.stringify(row.key)} of "${c.name}"`),
            meta: embed(row.meta, () => `the metadata of row ${JSON.stringify(row.key)} of "${c.name}"`),
          } satisfies ExportLine) + '\n'
        total++
        if (++inBatch === 1000) {
          await sink(batch)
          progress.advance(inBatch)
          batch = ''
          inBatch = 0
        }
      }
      if (batch) await sink(batch)
      progress.advance(inBatch)
      progress.done()
    }
    await emit({ type: 'end', collections: collections.length, rows: total })
  } finally {
    if (db.inTransaction) db.exec('COMMIT')
  }
}
