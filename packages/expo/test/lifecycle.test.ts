/**
 * App lifecycle on Expo, over the expo-sqlite shim backed by real SQLite
 * (support/expo-sqlite-shim.ts): React StrictMode mounting twice and a JS
 * bundle reload both give two persistence objects on one database, opened
 * back to back with writes from both; `close()` with writes pending; and a
 * writer killed without warning (SIGKILL) after acknowledging writes.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ConnectionClosedError, createExpoSQLitePersistence, PersistenceClosedError } from '../src'
import { storedRows } from '../../node/test/helpers'
import { spawnTs } from '../../node/test/fixtures/spawn'
import { openShimDatabaseAsync } from './support/expo-sqlite-shim'
import { tempDir } from './support/files'
import { todo, todosIn, type Todo } from './support/todos'

const tmp = tempDir('persistdb-expo-lifecycle-')
afterAll(() => tmp.cleanup())
let n = 0
const newFile = () => tmp.file(`life-${++n}.db`)

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`)

describe('two persistence objects on one database (StrictMode double mount, JS reload)', () => {
  it('StrictMode: both mounts share the database object; writes from both land once, nothing fails', async () => {
    const file = newFile()
    const database = await openShimDatabaseAsync(file)
    // Mount 1 and mount 2 each create a persistence and the same collection, back to back, before either is ready.
    const first = createExpoSQLitePersistence({ database, pollIntervalMs: 10 })
    const second = createExpoSQLitePersistence({ database, pollIntervalMs: 10 })
    const a = todosIn(first)
    const b = todosIn(second)
    await Promise.all([a.preload(), b.preload()])
    // Both write at once, in small transactions that interleave on the file.
    const fromA = ids('a', 40).map((id) => a.insert(todo(id)).isPersisted.promise)
    const fromB = ids('b', 40).map((id) => b.insert(todo(id)).isPersisted.promise)
    // StrictMode unmounts the first mount once its writes are acknowledged, while the second one's are in flight.
    await Promise.all(fromA)
    await a.cleanup()
    await first.close()
    await Promise.all(fromB)
    // Both mounts wrote through their own exclusive transactions (core coalesces queued inserts).
    expect(database.stats.exclusiveTransactions).toBeGreaterThanOrEqual(2)

    // The surviving mount sees the first mount's writes (through the change log), each once.
    await expect.poll(() => b.size, { timeout: 20_000 }).toBe(80)
    await b.cleanup()
    await second.close()
    const stored = storedRows(file, 'todos')
    expect([...stored.keys()].sort()).toEqual([...ids('a', 40), ...ids('b', 40)].sort())
    expect(stored.get('a7')).toEqual(todo('a7'))
    await database.closeAsync()
  })

  it("JS reload: the old bundle's connection stays open with writes in flight; the new bundle opens its own", async () => {
    const file = newFile()
    const oldDatabase = await openShimDatabaseAsync(file)
    const oldPersistence = createExpoSQLitePersistence({ database: oldDatabase, pollIntervalMs: 0 })
    const old = todosIn(oldPersistence)
    await old.preload()
    const oldWrites = ids('old', 30).map((id) => old.insert(todo(id)).isPersisted.promise)

    // The reloaded bundle opens the same file again while the old writes are still going.
    const newDatabase = await openShimDatabaseAsync(file)
    const newPersistence = createExpoSQLitePersistence({ database: newDatabase, pollIntervalMs: 0 })
    const reloaded = todosIn(newPersistence)
    await reloaded.preload()
    const newWrites = ids('new', 30).map((id) => reloaded.insert(todo(id)).isPersisted.promise)
    // Same key from both bundles: the later write wins, no UNIQUE-constraint failure.
    const clash = [
      old.insert(todo('same', 'from old')).isPersisted.promise,
      reloaded.insert(todo('same', 'from new')).isPersisted.promise,
    ]
    await Promise.all([...oldWrites, ...newWrites, ...clash])
    await Promise.all([old.cleanup(), reloaded.cleanup()])
    await Promise.all([oldPersistence.close(), newPersistence.close()])

    const stored = storedRows(file, 'todos')
    expect(stored.size).toBe(61)
    for (const id of [...ids('old', 30), ...ids('new', 30)]) expect(stored.get(id)).toEqual(todo(id))
    expect(['from old', 'from new']).toContain((stored.get('same') as Todo).title)
    await Promise.all([oldDatabase.closeAsync(), newDatabase.closeAsync()])
  })
})

describe('close()', () => {
  it('waits for the writes pending when it is called, then refuses new ones', async () => {
    const file = newFile()
    const database = await openShimDatabaseAsync(file)
    const persistence = createExpoSQLitePersistence({ database, pollIntervalMs: 0 })
    const todos = todosIn(persistence)
    await todos.preload()
    const settled: string[] = []
    const writes = ids('p', 25).map((id) =>
      todos.insert(todo(id)).isPersisted.promise.then(() => settled.push(id)),
    )
    // Nothing is on disk yet: close has something to wait for.
    expect(settled).toEqual([])
    await persistence.close()
    // Once close resolved, every write pending when it was called is on disk, and each resolves.
    expect([...storedRows(file, 'todos').keys()].sort()).toEqual(ids('p', 25).sort())
    await Promise.all(writes)
    expect(settled.length).toBe(25)
    expect(() => persistence.write(function* () {})).toThrow(PersistenceClosedError)
    // The app's database stays open: the persistence closes only what it opened.
    const [row] = await (
      await database.prepareAsync('SELECT count(*) AS n FROM persistdb_collections')
    )
      .executeAsync<{ n: number }>([])
      .then((r) => r.getAllAsync())
    expect(row!.n).toBe(1)
    await todos.cleanup()
    await database.closeAsync()
  })
})

describe('killed without warning', () => {
  it('every write acknowledged before SIGKILL is in the file', async () => {
    const file = newFile()
    const child = spawnTs('../../../expo/test/fixtures/expo-writer.ts', [file])
    const killedAfter = 15
    let acked = -1
    await new Promise<void>((resolve, reject) => {
      child.onLine((line) => {
        const ack = /^ack (\d+)$/.exec(line)
        if (!ack) return
        acked = Number(ack[1])
        if (acked + 1 >= killedAfter) {
          child.process.kill('SIGKILL')
          resolve()
        }
      })
      void child.exited.then(({ code }) =>
        reject(new Error(`writer exited (${code}) early: ${child.stderr()}`)),
      )
    })
    expect((await child.exited).signal).toBe('SIGKILL')
    const stored = storedRows(file, 'todos')
    // Every acknowledged row is there; the write in flight may or may not be.
    for (let i = 0; i <= acked; i++) expect(stored.get(`k${i}`)).toEqual(todo(`k${i}`))
    expect(stored.size).toBeLessThanOrEqual(acked + 2)
  })
})

describe('the database handed over is closed by the app while a persistence uses it', () => {
  it('closeAsync() under a running persistence: the next poll stops it with ConnectionClosedError, collections go to error', async () => {
    const file = newFile()
    const database = await openShimDatabaseAsync(file)
    const persistence = createExpoSQLitePersistence({ database, pollIntervalMs: 5 })
    const todos = todosIn(persistence)
    await todos.preload()
    await todos.insert(todo('kept')).isPersisted.promise
    expect(todos.status).toBe('ready')
    await database.closeAsync()
    await expect.poll(() => todos.status, { timeout: 20_000 }).toBe('error')
    expect(persistence.failedWith).toBeInstanceOf(ConnectionClosedError)
    expect(persistence.failedWith?.message).toMatch(/was closed by the app/)
    expect(() => todos.insert(todo('after'))).toThrow()
    await todos.cleanup()
    await persistence.close()
    expect([...storedRows(file, 'todos').keys()]).toEqual(['kept'])
  })
})
