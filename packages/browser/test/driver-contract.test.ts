/**
 * The driver contract suite (packages/core/test/contract) against the browser
 * driver in real headless Chromium over the real wa-sqlite OPFS worker: the
 * suite runs in Node, each driver call runs in a tab (page-driver-client.ts).
 * Three times: from the leading tab (its own worker runs the statements), from
 * a follower tab whose statements go to the other tab's worker, and on the
 * IndexedDB fallback (wa-sqlite's other build). Then what the
 * browser driver declares (limits, isolation) checked against the engine, and
 * a collection whose keys differ only after a NUL (wa-sqlite's text binding
 * used to cut them there).
 */
import { createCollection } from '@tanstack/db'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeDriverContract } from '../../core/test/contract/driver-contract'
import { createSQLitePersistence, guardDriver, persistedCollectionOptions, type SQLiteRow } from '../src'
import { startHarness, until, type Harness, type Tab } from './support/harness'
import { openPageDriver } from './support/page-driver-client'

let harness: Harness
let context: BrowserContext
let leader: Tab
let follower: Tab
beforeAll(async () => {
  harness = await startHarness()
  context = await harness.newContext()
  leader = await harness.openTab(context, 'leader')
  follower = await harness.openTab(context, 'follower')
})
afterAll(async () => {
  await context?.close()
  await harness?.close()
})

let n = 0

describeDriverContract('browser driver (wa-sqlite on OPFS, the leading tab)', {
  open: () => openPageDriver({ page: leader.page, databaseName: `contract-${++n}` }),
  // Statements outside a transaction record a fence write: a query_only connection refuses those too.
  queryOnly: false,
})

describeDriverContract('browser driver (a follower tab: statements go to the leading tab)', {
  open: () =>
    openPageDriver({ page: follower.page, leaderPage: leader.page, databaseName: `contract-${++n}` }),
  queryOnly: false,
})

describeDriverContract('browser driver (IndexedDB fallback, where OPFS sync access handles are missing)', {
  open: () => openPageDriver({ page: leader.page, databaseName: `contract-${++n}`, indexeddb: true }),
  queryOnly: false,
})

describe('browser driver: beyond the contract', () => {
  for (const indexeddb of [false, true]) {
    it(`declares wa-sqlite's compile-time limits, as its ${indexeddb ? 'Asyncify (IndexedDB)' : 'OPFS'} build reports them`, async () => {
      const driver = await openPageDriver({ page: leader.page, databaseName: `contract-${++n}`, indexeddb })
      try {
        const options = (await driver.all('PRAGMA compile_options')).map((r) => String(r.compile_options))
        const option = (name: string) => Number(options.find((o) => o.startsWith(`${name}=`))?.split('=')[1])
        expect(driver.limits).toEqual({
          maxParameters: option('MAX_VARIABLE_NUMBER'),
          maxStatementBytes: option('MAX_SQL_LENGTH'),
          maxLikePatternBytes: option('MAX_LIKE_PATTERN_LENGTH'),
        })
      } finally {
        await driver.close()
      }
    })
  }

  it("names the engine's result code on an engine error", async () => {
    const driver = guardDriver(await openPageDriver({ page: leader.page, databaseName: `contract-${++n}` }))
    try {
      await driver.run('CREATE TABLE t (id INTEGER PRIMARY KEY)')
      await driver.run('INSERT INTO t (id) VALUES (1)')
      await expect(driver.run('INSERT INTO t (id) VALUES (1)')).rejects.toMatchObject({
        code: 'PERSISTDB_SQLITE_ERROR',
        engineCode: 'SQLITE_CONSTRAINT',
        message: expect.stringContaining('UNIQUE constraint failed: t.id'),
      })
    } finally {
      await driver.close()
    }
  })

  for (const from of ['leading', 'follower'] as const) {
    it(`isolation 'connection' holds: the leader answers a ${from} tab's read only after the open transaction ends`, async () => {
      const driver = await openPageDriver(
        from === 'leading'
          ? { page: leader.page, databaseName: `contract-${++n}` }
          : { page: follower.page, leaderPage: leader.page, databaseName: `contract-${++n}` },
      )
      expect(driver.isolation).toBe('connection')
      try {
        await driver.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v)')
        let outside: Promise<readonly SQLiteRow[]> | undefined
        const seenInside: unknown[] = []
        const rolledBack = new Error('rolled back')
        // The bare driver: core's guard would not queue this read either (isolation 'connection').
        const tx = driver.transaction(async (t) => {
          await t.run('INSERT INTO t (id, v) VALUES (1, 1)')
          // Answered: the transaction is open at the leader, and its row is visible on that connection.
          seenInside.push((await t.all('SELECT count(*) AS n FROM t'))[0]!.n)
          const before = await driver.requestsSent()
          outside = driver.all('SELECT count(*) AS n FROM t')
          await until(async () => (await driver.requestsSent()) > before, 'the read to be sent')
          // Sent after the read on the same ordered path: once answered, the read is at the leader.
          seenInside.push((await t.all('SELECT count(*) AS n FROM t'))[0]!.n)
          throw rolledBack
        })
        await expect(tx).rejects.toBe(rolledBack)
        expect(seenInside).toEqual([1, 1])
        expect((await outside!)[0]!.n).toBe(0)
      } finally {
        await driver.close()
      }
    })
  }

  it('keeps collection keys that differ only after a NUL character apart', async () => {
    const databaseName = `contract-${++n}`
    type Row = { id: string; text: string }
    const ids = ['k', 'k\u0000a', 'k\u0000b', '\u0000']
    const open = async () => {
      const persistence = createSQLitePersistence({
        driver: await openPageDriver({ page: leader.page, databaseName }),
        pollIntervalMs: 0,
      })
      const rows = createCollection(
        persistedCollectionOptions<Row, string>({ id: 'rows', getKey: (r) => r.id, persistence }),
      )
      await rows.preload()
      return { persistence, rows }
    }
    const first = await open()
    await first.rows.insert(ids.map((id) => ({ id, text: `text of ${JSON.stringify(id)} \u0000 end` })))
      .isPersisted.promise
    await first.rows.cleanup()
    await first.persistence.close()

    const again = await open()
    try {
      const stored = [...again.rows.values()].map(({ id, text }) => ({ id, text }))
      expect(stored.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
        [...ids].sort().map((id) => ({ id, text: `text of ${JSON.stringify(id)} \u0000 end` })),
      )
    } finally {
      await again.rows.cleanup()
      await again.persistence.close()
    }
  })
})
