/**
 * Two writers (processes, tabs) each sync the same collection from their own
 * connection to one upstream, at different speeds. A writer whose upstream is
 * a step behind inserts a row the other writer already stored: that insert
 * must not be refused as a duplicate key (it would leave the source's
 * transaction open and stop the writer from applying anyone's commits).
 */
import { createCollection } from '@tanstack/db'
import { afterAll, describe, expect, it } from 'vitest'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { rowsOf, tempDir } from './helpers'
import { readDisk } from './fixtures/synced-disk'
import { manualSource, type Row } from './fixtures/synced-source'

function writer(file: string, mode: 'partial' | 'full') {
  const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
  const source = manualSource()
  const collection = createCollection(
    persistedCollectionOptions({
      id: 'feed',
      getKey: (row: Row) => row.id,
      sync: { ...source.config, rowUpdateMode: mode },
      persistence,
    }),
  )
  const push = (
    ...ops: Array<{ type: 'insert' | 'update'; value: Row } | { type: 'delete'; key: string }>
  ) => {
    const p = source.params()
    p.begin()
    for (const op of ops) p.write(op)
    p.commit()
  }
  return { persistence, collection, push, ready: () => source.params().markReady() }
}

const diskRows = (file: string) => readDisk(file, 'feed')!.rows.map((row) => row.value)

describe.each(['partial', 'full'] as const)('two writers syncing one collection (%s rows)', (mode) => {
  const tmp = tempDir(`persistdb-synced-writers-${mode}-`)
  afterAll(() => tmp.cleanup())

  it("a writer whose upstream is behind re-inserts a row the other already stored: no duplicate-key error, and it keeps applying the other's commits", async () => {
    const file = tmp.file('feed.sqlite')
    const a = writer(file, mode)
    const b = writer(file, mode)
    a.collection.startSyncImmediate()
    b.collection.startSyncImmediate()
    a.ready()
    b.ready()

    b.push({ type: 'insert', value: { id: 'k', title: 'v1', extra: 'only in v1' } })
    b.push({ type: 'update', value: { id: 'k', title: 'v2' } })
    a.persistence.poll()
    const v2 = mode === 'partial' ? { id: 'k', title: 'v2', extra: 'only in v1' } : { id: 'k', title: 'v2' }
    expect(rowsOf(a.collection)).toEqual([v2])

    // A's upstream is one step behind: it delivers the original insert now.
    const v1 = { id: 'k', title: 'v1' }
    expect(() => a.push({ type: 'insert', value: v1 })).not.toThrow()
    // The file's rule is last commit wins: A's insert replaces the row whole (no field of v2 merged in).
    expect(rowsOf(a.collection)).toEqual([v1])
    expect(diskRows(file)).toEqual([v1])

    // A still applies B's later commits, and B sees A's.
    b.push({ type: 'insert', value: { id: 'later', title: 'from B' } })
    a.persistence.poll()
    b.persistence.poll()
    expect(rowsOf(a.collection)).toEqual([v1, { id: 'later', title: 'from B' }])
    expect(rowsOf(b.collection)).toEqual([v1, { id: 'later', title: 'from B' }])

    // A's upstream catches up; both converge on the upstream's final state.
    a.push({ type: 'update', value: { id: 'k', title: 'v2' } })
    b.persistence.poll()
    const final = [
      { id: 'k', title: 'v2' },
      { id: 'later', title: 'from B' },
    ]
    expect(rowsOf(a.collection)).toEqual(final)
    expect(rowsOf(b.collection)).toEqual(final)
    expect(diskRows(file)).toEqual(final)
    expect(a.collection.status).toBe('ready')
    expect(a.collection.utils.getPersistenceStatus().state).toBe('ok')
    for (const w of [a, b]) {
      await w.collection.cleanup()
      await w.persistence.close()
    }
  })
})
