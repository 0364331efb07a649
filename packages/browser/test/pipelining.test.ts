/**
 * The transaction wire protocol, in real Chromium: `run` statements are batched into the next step that
 * needs an answer (an `all`, or COMMIT), so a small write transaction costs one or two round trips; a
 * batched statement that fails makes its transaction fail and never commit, exactly as if the body had
 * seen the error where it happened. The leader tab's own requests skip the BroadcastChannel hop, and the
 * leader's connection runs WAL with an exclusive lock (it is the file's only connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext } from 'playwright-core'
import { startHarness, until, type Harness, type Tab } from './support/harness'
import { openTodosTab, todo } from './support/tabs'

let harness: Harness
let context: BrowserContext
let leader: Tab
let follower: Tab
beforeAll(async () => {
  harness = await startHarness()
  context = await harness.newContext()
  leader = await openTodosTab(harness, context, 'leader', { databaseName: 'pipelining' })
  follower = await openTodosTab(harness, context, 'follower', { databaseName: 'pipelining' })
  await follower.call('exec', 'CREATE TABLE t (x INTEGER PRIMARY KEY)')
})
afterAll(() => harness?.close())

const count = async (tab: Tab) => Number((await tab.call('sql', 'SELECT count(*) AS n FROM t'))[0]!.n)
const insert = (x: number) => ({ kind: 'run' as const, sql: `INSERT INTO t VALUES (${x})` })
const missing = { kind: 'run' as const, sql: 'INSERT INTO no_such_table VALUES (1)' }

describe('batched statements', () => {
  it('a write transaction of runs is one round trip; a read in the middle adds one', async () => {
    for (const tab of [leader, follower]) {
      const base = tab === leader ? 100 : 200
      expect(await tab.call('txSteps', [insert(base + 1), insert(base + 2)])).toMatchObject({
        ok: true,
        requests: 1,
      })
      const mixed = await tab.call('txSteps', [
        insert(base + 3),
        { kind: 'all', sql: `SELECT count(*) AS n FROM t WHERE x > ${base}` },
        insert(base + 4),
      ])
      expect(mixed).toMatchObject({ ok: true, requests: 2, results: [[{ n: 3 }]] })
    }
    // A collection insert: BEGIN with its INSERT and change-log entry and the entry's position read back,
    // then COMMIT (async drivers keep the read-back: see SQLitePersistence.commitBatch).
    const before = await follower.call('txRequests')
    expect((await follower.call('insert', [todo('one')])).ok).toBe(true)
    expect((await follower.call('txRequests')) - before).toBe(2)
    expect(await count(follower)).toBe(8)
  })

  it('a batched run that fails: the transaction rejects with its error at the next answer, nothing applied', async () => {
    const before = await count(follower)
    const result = await follower.call('txSteps', [
      insert(1),
      missing,
      { kind: 'all', sql: 'SELECT 1 AS one' },
    ])
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.error.message).toMatch(/no such table: no_such_table/)
    expect(await count(follower)).toBe(before)
  })

  it('a failed batched run cannot be caught and committed: the leader refuses the commit', async () => {
    const before = await count(follower)
    const result = await follower.call('txSteps', [
      insert(2),
      missing,
      { kind: 'all', sql: 'SELECT 1 AS one', catch: true },
      insert(3),
    ])
    expect(result.ok).toBe(false)
    expect(result.ok ? '' : result.error.message).toMatch(/no such table: no_such_table/)
    expect(await count(follower)).toBe(before)
  })

  it('a run that fails in the committing step: rejected, rolled back, nothing applied', async () => {
    const before = await count(leader)
    const result = await leader.call('txSteps', [insert(4), missing])
    expect(result).toMatchObject({ ok: false, requests: 1 })
    expect(await count(leader)).toBe(before)
    // The leader serves the next transaction normally.
    expect(await leader.call('txSteps', [insert(5)])).toMatchObject({ ok: true })
    expect(await count(leader)).toBe(before + 1)
  })

  it("an awaited statement's failure is that statement's alone (SQLite semantics): caught, the rest commits", async () => {
    const before = await count(follower)
    const result = await follower.call('txSteps', [
      insert(6),
      { kind: 'all', sql: 'INSERT INTO no_such_table VALUES (1)', catch: true },
      insert(7),
    ])
    expect(result).toMatchObject({ ok: true })
    expect(await count(follower)).toBe(before + 2)
  })
})

describe('the leader tab and the file', () => {
  it("the leader tab's requests go straight to its own worker; a follower's go over the channel", async () => {
    const l0 = await leader.call('stats')
    const f0 = await follower.call('stats')
    await leader.call('probe', 5)
    await follower.call('probe', 5)
    const l1 = await leader.call('stats')
    const f1 = await follower.call('stats')
    expect(l1.viaOwnWorker - l0.viaOwnWorker).toBe(l1.requests - l0.requests)
    expect(l1.requests - l0.requests).toBeGreaterThanOrEqual(10)
    expect(f1.viaOwnWorker).toBe(0)
    expect(f1.requests - f0.requests).toBeGreaterThanOrEqual(10)
  })

  it('the leader keeps the file in WAL mode with an exclusive lock, and empties the WAL once writes pause', async () => {
    expect(await follower.call('sql', 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }])
    expect(await follower.call('sql', 'PRAGMA locking_mode')).toEqual([{ locking_mode: 'exclusive' }])
    // `log` is the WAL's size in frames; a passive checkpoint (this probe) never empties it, the idle one does.
    const walFrames = async () =>
      Number((await follower.call('sql', 'PRAGMA wal_checkpoint(PASSIVE)'))[0]!.log)
    // Without the idle checkpoint the frames of this commit would stay in the WAL for good.
    expect(await follower.call('txSteps', [insert(300)])).toMatchObject({ ok: true })
    await until(async () => (await walFrames()) === 0, 'the idle checkpoint to empty the WAL')
  })
})
