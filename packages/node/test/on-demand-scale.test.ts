/**
 * Failure mode 22 end to end: `orderBy(score).limit(10)` over 100k persisted
 * rows reads O(limit) rows from SQLite, not the table. Rows read are counted
 * at the driver (every row any statement returned).
 */
import Database from 'better-sqlite3'
import { BasicIndex, createCollection, createLiveQueryCollection, gt } from '@tanstack/db'
import { afterAll, describe, expect, it } from 'vitest'
import {
  BetterSqlite3Driver,
  createNodeSQLitePersistence,
  createSQLitePersistence,
  persistedCollectionOptions,
  type SQLiteRow,
  type SQLiteValue,
} from '../src'
import { tempDir } from './helpers'

interface Scored {
  id: number
  score: number
  label: string
}

const N = 100_000
const score = (i: number) => (i * 7919) % 1_000_003

class CountingDriver extends BetterSqlite3Driver {
  rowsRead = 0
  override all(sql: string, params?: readonly SQLiteValue[]): readonly SQLiteRow[] {
    const rows = super.all(sql, params)
    this.rowsRead += rows.length
    return rows
  }
}

describe('failure mode 22: LIMIT pushdown', () => {
  const tmp = tempDir('persistdb-scale-')
  afterAll(() => tmp.cleanup())

  it('no LIMIT pushdown — orderBy(score).limit(10) over 100k rows reads O(limit) rows from SQLite', async () => {
    const file = tmp.file('scores.sqlite')
    const seeding = createNodeSQLitePersistence({ path: file })
    const rows = Array.from({ length: N }, (_, i) => ({ id: i, score: score(i), label: `row ${i}` }))
    // initialData is written in the transaction that creates the collection: the fastest seed.
    const writer = createCollection(
      persistedCollectionOptions<Scored, number>({
        id: 'scores',
        getKey: (row) => row.id,
        persistence: seeding,
        initialData: rows,
        syncMode: 'on-demand',
      }),
    )
    writer.startSyncImmediate()
    await new Promise<void>((resolve) => writer.onFirstReady(() => resolve()))
    await writer.cleanup()
    await seeding.close()

    const driver = new CountingDriver(new Database(file), true)
    const persistence = createSQLitePersistence({ driver })
    const scores = createCollection(
      persistedCollectionOptions<Scored, number>({
        id: 'scores',
        getKey: (row) => row.id,
        persistence,
        syncMode: 'on-demand',
        defaultIndexType: BasicIndex,
      }),
    )
    scores.createIndex((row) => row.score)
    scores.startSyncImmediate()
    await new Promise<void>((resolve) => scores.onFirstReady(() => resolve()))
    const before = driver.rowsRead
    const top = createLiveQueryCollection({
      query: (q) =>
        q
          .from({ s: scores })
          .where(({ s }) => gt(s.score, -1))
          .orderBy(({ s }) => s.score, 'desc')
          .limit(10),
      startSync: true,
    })
    const result = await top.toArrayWhenReady()
    const expected = [...rows].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, 10)
    expect(result.map((row) => row.id)).toEqual(expected.map((row) => row.id))
    const read = driver.rowsRead - before
    // O(limit): the ten rows, boundary ties and core's follow-up requests; never a table scan.
    expect(read).toBeGreaterThanOrEqual(10)
    expect(read).toBeLessThan(200)
    expect(scores.size).toBeLessThan(200)
    await top.cleanup()
    await scores.cleanup()
    await persistence.close()
  }, 60_000)
})
