/**
 * What the driver adds to expo's `withExclusiveTransactionAsync`, over the
 * expo-sqlite shim backed by real SQLite: the write lock is held for the
 * whole body (expo begins deferred), so two connections' read-then-write
 * transactions wait for each other instead of losing an update or failing.
 */
import { afterAll, expect, it } from 'vitest'
import { guardDriver, type SQLiteRow } from '../src'
import { ExpoSQLiteDriver } from '../src/driver'
import { openShimDatabaseAsync } from './support/expo-sqlite-shim'
import { tempDir } from './support/files'

const tmp = tempDir('persistdb-expo-tx-')
afterAll(() => tmp.cleanup())
const settings = { busyTimeoutMs: 10_000, synchronous: 'NORMAL' } as const

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

it('a read-then-write body holds the write lock: the other connection waits, no update is lost', async () => {
  const file = tmp.file('lock.db')
  const databaseA = await openShimDatabaseAsync(file)
  const databaseB = await openShimDatabaseAsync(file)
  const a = guardDriver(new ExpoSQLiteDriver(databaseA, true, settings))
  const b = guardDriver(new ExpoSQLiteDriver(databaseB, true, settings))
  await a.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v)')
  await a.run('INSERT INTO t (id, v) VALUES (1, 0)')
  const events: string[] = []
  const inside = deferred()
  const proceed = deferred()
  const increment = async (tx: { all: typeof a.all; run: typeof a.run }, by: number) => {
    const [row] = (await tx.all('SELECT v FROM t WHERE id = 1')) as SQLiteRow[]
    return Number(row!.v) + by
  }
  const first = Promise.resolve(
    a.transaction(async (tx) => {
      const next = await increment(tx, 1)
      inside.resolve()
      await proceed.promise
      await tx.run('UPDATE t SET v = ? WHERE id = 1', [next])
      events.push('a')
    }),
  )
  await inside.promise
  const second = Promise.resolve(
    b.transaction(async (tx) => {
      await tx.run('UPDATE t SET v = ? WHERE id = 1', [await increment(tx, 10)])
      events.push('b')
    }),
  )
  // B found the file locked by A's open transaction before A wrote anything, and waits.
  await expect.poll(() => databaseB.stats.busyWaits, { timeout: 20_000 }).toBeGreaterThan(0)
  expect(events).toEqual([])
  proceed.resolve()
  await Promise.all([first, second])
  expect(events).toEqual(['a', 'b'])
  expect((await a.all('SELECT v FROM t WHERE id = 1'))[0]!.v).toBe(11)
  await Promise.all([a.close(), b.close()])
})
