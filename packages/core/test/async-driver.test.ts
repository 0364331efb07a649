import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { AsyncBetterSqliteDriver } from './support/sqlite-test-driver'
import { createCollection, createTransaction, whenSyncAccepted, type SyncConfig } from '@tanstack/db'
import { createSQLitePersistence, persistedCollectionOptions, PersistenceWriteError } from '../src'

const dir = mkdtempSync(join(tmpdir(), 'persistdb-async-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type Todo = { id: string; title: string }

function open(file: string, id = 'todos') {
  const driver = new AsyncBetterSqliteDriver(file)
  const persistence = createSQLitePersistence({ driver, pollIntervalMs: 0 })
  const collection = createCollection(
    persistedCollectionOptions<Todo, string>({ id, getKey: (t) => t.id, persistence }),
  )
  return { driver, persistence, collection }
}

function diskRows(file: string): Array<{ key: unknown; value: string }> {
  const db = new Database(file, { readonly: true })
  try {
    const table = db.prepare(`SELECT id FROM persistdb_collections WHERE name = 'todos'`).get() as {
      id: number
    }
    return db.prepare(`SELECT key, value FROM "persistdb_c${table.id}_rows" ORDER BY key`).all() as never
  } finally {
    db.close()
  }
}

describe('async driver', () => {
  it('close() right after writes: none acknowledged that is not on disk, each failure typed', async () => {
    const file = join(dir, 'close-pending.sqlite')
    const a = open(file)
    await a.collection.preload()
    const ids = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`)
    const writes = ids.map((id) => a.collection.insert({ id, title: id }).isPersisted.promise)
    await a.persistence.close()
    const settled = await Promise.allSettled(writes)
    const acknowledged = ids.filter((_, i) => settled[i]!.status === 'fulfilled')
    for (const s of settled)
      if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(PersistenceWriteError)
    // close() waits for writes core accepted: every one is acknowledged, and on disk.
    expect(acknowledged).toEqual(ids)
    expect(diskRows(file).map((r) => r.key)).toEqual(acknowledged)
  })

  it('a local-only transaction resolves only once its rows are on disk, and restores before ready', async () => {
    const file = join(dir, 'a.sqlite')
    const a = open(file)
    await a.collection.preload()
    const tx = a.collection.insert({ id: '1', title: 'one' })
    await tx.isPersisted.promise
    expect(diskRows(file).map((r) => r.key)).toEqual(['1'])
    const tx2 = a.collection.update('1', (d) => {
      d.title = 'uno'
    })
    a.collection.insert({ id: '2', title: 'two' })
    await tx2.isPersisted.promise
    await a.collection.insert({ id: '3', title: 'three' }).isPersisted.promise
    expect(diskRows(file).map((r) => [r.key, JSON.parse(r.value).title])).toEqual([
      ['1', 'uno'],
      ['2', 'two'],
      ['3', 'three'],
    ])
    await a.collection.cleanup()
    await a.persistence.close()

    const b = open(file)
    b.collection.startSyncImmediate()
    // Hydration is asynchronous: the local-only collection is not ready with an empty set.
    expect(b.collection.status).toBe('loading')
    await b.collection.preload()
    expect(b.collection.toArray.map((t) => [t.id, t.title]).sort()).toEqual([
      ['1', 'uno'],
      ['2', 'two'],
      ['3', 'three'],
    ])
    await b.persistence.close()
  })

  it('a failed async write rejects the transaction and memory returns to what disk holds', async () => {
    const file = join(dir, 'b.sqlite')
    const a = open(file)
    await a.collection.preload()
    await a.collection.insert({ id: 'ok', title: 'kept' }).isPersisted.promise
    const table = (
      a.driver.db.prepare(`SELECT id FROM persistdb_collections WHERE name = 'todos'`).get() as { id: number }
    ).id
    a.driver.db.exec(
      `CREATE TRIGGER no_bad BEFORE INSERT ON "persistdb_c${table}_rows" WHEN NEW.key = 'bad' BEGIN SELECT RAISE(ABORT, 'disk says no'); END`,
    )
    const tx = a.collection.insert({ id: 'bad', title: 'refused' })
    await expect(tx.isPersisted.promise).rejects.toBeInstanceOf(PersistenceWriteError)
    await vi.waitFor(() => expect(a.collection.has('bad')).toBe(false))
    expect(a.collection.get('ok')?.title).toBe('kept')
    expect(diskRows(file).map((r) => r.key)).toEqual(['ok'])
    // Later writes still work.
    await a.collection.insert({ id: 'later', title: 'fine' }).isPersisted.promise
    expect(diskRows(file).map((r) => r.key)).toEqual(['later', 'ok'])
    await a.persistence.close()
  })

  it('a synced commit is accepted only after it is durable, in commit order', async () => {
    const file = join(dir, 'c.sqlite')
    const driver = new AsyncBetterSqliteDriver(file)
    const persistence = createSQLitePersistence({ driver, pollIntervalMs: 0 })
    const receipts: Array<Promise<void> | true> = []
    const source: SyncConfig<Todo, string> = {
      sync: ({ begin, write, commit, markReady }) => {
        for (let i = 0; i < 5; i++) {
          begin()
          write({ type: 'insert', value: { id: `s${i}`, title: `row ${i}` } })
          receipts.push(whenSyncAccepted(commit()))
        }
        markReady()
      },
    }
    const collection = createCollection(
      persistedCollectionOptions({ id: 'todos', getKey: (t: Todo) => t.id, sync: source, persistence }),
    )
    await collection.preload()
    expect(receipts).toHaveLength(5)
    await receipts[0]
    expect(diskRows(file).length).toBeGreaterThanOrEqual(1)
    await Promise.all(receipts)
    expect(diskRows(file).map((r) => r.key)).toEqual(['s0', 's1', 's2', 's3', 's4'])
    await persistence.close()
  })
})

describe('async driver: writes made before the restore finished', () => {
  // Core's local-only loopback drops confirmations that arrive before the collection's sync runs; with an
  // async driver the restore takes a while, so a write made at app start (before preload) resolved
  // isPersisted with nothing on disk and was gone after a restart.
  it.each(['eager', 'on-demand'] as const)(
    '%s: an insert made at once is on disk when isPersisted resolves, and after a restart',
    async (syncMode) => {
      const file = join(dir, `early-${syncMode}.sqlite`)
      const make = () => {
        const persistence = createSQLitePersistence({
          driver: new AsyncBetterSqliteDriver(file),
          pollIntervalMs: 0,
        })
        const collection = createCollection(
          persistedCollectionOptions<Todo, string>({
            id: 'todos',
            getKey: (t) => t.id,
            persistence,
            syncMode,
          }),
        )
        return { persistence, collection }
      }
      const a = make()
      const tx = a.collection.insert([
        { id: 'e1', title: 'early' },
        { id: 'e2', title: 'also early' },
      ])
      // The restore is still under way: the write could be dropped right here.
      expect(a.collection.status).not.toBe('ready')
      await tx.isPersisted.promise
      expect(diskRows(file).map((r) => r.key)).toEqual(['e1', 'e2'])
      expect(a.collection.get('e1')?.title).toBe('early')
      await a.collection.cleanup()
      await a.persistence.close()

      const b = make()
      await b.collection.preload()
      if (syncMode === 'eager') expect(b.collection.toArray.map((t) => t.id).sort()).toEqual(['e1', 'e2'])
      await b.collection.cleanup()
      await b.persistence.close()
    },
  )

  it('acceptMutations of a manual transaction made before the restore finished is durable', async () => {
    const file = join(dir, 'early-accept.sqlite')
    const persistence = createSQLitePersistence({
      driver: new AsyncBetterSqliteDriver(file),
      pollIntervalMs: 0,
    })
    const collection = createCollection(
      persistedCollectionOptions<Todo, string>({ id: 'todos', getKey: (t) => t.id, persistence }),
    )
    const tx = createTransaction({
      mutationFn: async ({ transaction }) => {
        await collection.utils.acceptMutations(transaction)
      },
    })
    tx.mutate(() => collection.insert({ id: 'm1', title: 'manual' }))
    expect(collection.status).not.toBe('ready')
    await tx.isPersisted.promise
    expect(diskRows(file).map((r) => r.key)).toEqual(['m1'])
    await collection.cleanup()
    await persistence.close()
  })
})

describe('async driver: cleanup with writes in flight', () => {
  it('writes still on their way when cleanup() runs: on disk, or rejected typed; never acknowledged and lost', async () => {
    const file = join(dir, 'cleanup-in-flight.sqlite')
    const a = open(file)
    await a.collection.preload()
    const ids = Array.from({ length: 40 }, (_, i) => `w${String(i).padStart(2, '0')}`)
    const writes = ids.map((id) => a.collection.insert({ id, title: id }).isPersisted.promise)
    // Unmount at once (React StrictMode's first unmount), without waiting for the writes.
    const cleaned = a.collection.cleanup()
    const settled = await Promise.allSettled(writes)
    await cleaned
    await a.persistence.close()
    const acknowledged = ids.filter((_, i) => settled[i]!.status === 'fulfilled')
    for (const s of settled)
      if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(PersistenceWriteError)
    // The check can fail: without the refusal every write resolved with nothing on disk.
    expect(settled.some((s) => s.status === 'rejected')).toBe(true)
    expect(diskRows(file).map((r) => r.key)).toEqual(acknowledged)
  })

  it('a write made before the restore, then cleanup(): typed rejection or on disk, never acknowledged and lost', async () => {
    const file = join(dir, 'cleanup-before-restore.sqlite')
    const a = open(file)
    const tx = a.collection.insert({ id: 'early', title: 'early' })
    const cleaned = a.collection.cleanup()
    const outcome = await tx.isPersisted.promise.then(
      () => 'persisted',
      (error: unknown) => error,
    )
    await cleaned
    // close() must not wait for ever on the write.
    await a.persistence.close()
    if (outcome === 'persisted') expect(diskRows(file).map((r) => r.key)).toEqual(['early'])
    else expect(outcome).toBeInstanceOf(PersistenceWriteError)
  })
})

describe('async driver: close', () => {
  it('close() waits for accepted writes still on their way to disk', async () => {
    const file = join(dir, 'close.sqlite')
    const driver = new AsyncBetterSqliteDriver(file)
    const persistence = createSQLitePersistence({ driver, pollIntervalMs: 0 })
    const source: SyncConfig<Todo, string> = {
      sync: ({ begin, write, commit, markReady }) => {
        for (let i = 0; i < 20; i++) {
          begin()
          write({ type: 'insert', value: { id: `c${String(i).padStart(2, '0')}`, title: `row ${i}` } })
          commit()
        }
        markReady()
      },
    }
    const collection = createCollection(
      persistedCollectionOptions({ id: 'todos', getKey: (t: Todo) => t.id, sync: source, persistence }),
    )
    await collection.preload()
    // Close at once: the 20 accepted transactions are queued behind one another.
    await persistence.close()
    expect(diskRows(file)).toHaveLength(20)
  })
})
