/**
 * Issue 14: the database file deleted or replaced under a running persistence.
 * SQLite in WAL mode keeps writing into the unlinked inode and reports nothing,
 * so without a check every later write is acknowledged and lost at exit. Now
 * the persistence notices as soon as the file is touched (a watch on the file,
 * then one stat of the path; polls stat too), every collection on it moves to
 * 'error' with DatabaseFileReplacedError, and nothing further is acknowledged:
 * a write that would commit after the watch fired is rolled back.
 */
import { copyFileSync, existsSync, renameSync, rmSync, watch } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { createCollection } from '@tanstack/db'
import Database from 'better-sqlite3'
import { ConnectionClosedError, DatabaseFileReplacedError, type SQLitePersistence } from '@persistdb/core'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { fileSha, openTodos, storedRows, tempDir, type Todo } from './helpers'

const tmp = tempDir('persistdb-file-replaced-')
let n = 0
const fresh = () => tmp.file(`replaced-${++n}.sqlite`)
afterAll(() => tmp.cleanup())

type Handle = ReturnType<typeof openTodos>

/** Resolves when the collection reaches 'error' (an event, not a sleep). */
function errorState(collection: Handle['collection']): Promise<void> {
  if (collection.status === 'error') return Promise.resolve()
  return new Promise((resolve) => {
    const off = collection.on('status:change', (event) => {
      if (event.status === 'error') {
        off()
        resolve()
      }
    })
  })
}

function deleteDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
}

function noteOf(collection: Handle['collection']) {
  return collection.utils.getPersistenceStatus()
}

describe('the database file deleted or replaced while open', () => {
  it('deleted: both collections go to error with DatabaseFileReplacedError, and nothing more is acknowledged', async () => {
    const file = fresh()
    const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const todos = openTodos(file, { persistence })
    const notes = openTodos(file, { persistence, id: 'notes' })
    await Promise.all([todos.collection.preload(), notes.collection.preload()])
    todos.collection.insert({ id: 'before', title: 'acknowledged while the file existed' })
    expect(storedRows(file, 'todos').has('before')).toBe(true)

    deleteDatabase(file)
    // No write and no poll timer (pollIntervalMs 0): the watch on the file reports the deletion.
    await Promise.all([errorState(todos.collection), errorState(notes.collection)])
    const stopped = persistence.failedWith
    expect(stopped).toBeInstanceOf(DatabaseFileReplacedError)
    expect(stopped).toMatchObject({ code: 'PERSISTDB_FILE_REPLACED' })
    expect(stopped!.message).toMatch(
      /was deleted while PersistDB had it open.*nothing after it is acknowledged/s,
    )
    for (const c of [todos.collection, notes.collection]) {
      expect(noteOf(c)).toMatchObject({ state: 'failed', error: stopped })
      expect(() => c.insert({ id: 'later', title: 'refused' })).toThrow()
      expect(c.has('later')).toBe(false)
    }
    // Nothing reaches the unlinked file any more, through any path.
    expect(() => persistence.write(function* () {})).toThrow(DatabaseFileReplacedError)
    expect(() => persistence.read(function* () {})).toThrow(DatabaseFileReplacedError)
    // Nothing was recreated at the path.
    expect(existsSync(file)).toBe(false)
    await todos.collection.cleanup()
    await notes.collection.cleanup()
    await persistence.close()
  })

  it('replaced by another file (rename over it): the collection stops, writes are refused, the new file is left byte-identical', async () => {
    const file = fresh()
    const h = openTodos(file, { persistence: createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 }) })
    await h.collection.preload()
    h.collection.insert({ id: 'a', title: 'first' })
    // A copy of the current file (a "restore from backup"), moved over the open one.
    h.persistence.driver.run('PRAGMA wal_checkpoint(TRUNCATE)')
    const replacement = tmp.file(`replacement-${n}.sqlite`)
    copyFileSync(file, replacement)
    renameSync(replacement, file)
    const before = fileSha(file)

    await errorState(h.collection)
    expect(() => h.collection.insert({ id: 'b', title: 'second' })).toThrow()
    expect(noteOf(h.collection).error).toMatchObject({ code: 'PERSISTDB_FILE_REPLACED' })
    expect((noteOf(h.collection).error as Error).message).toMatch(/was replaced/)
    await h.collection.cleanup()
    await h.persistence.close()
    expect(fileSha(file)).toBe(before)
    // The file at the path is the replacement, with what was acknowledged before it was copied.
    expect([...storedRows(file, 'todos').keys()]).toEqual(['a'])
  })

  it('a write that commits after the file was touched is rolled back with DatabaseFileReplacedError', async () => {
    const file = fresh()
    // No collection subscribed: nothing but the write itself looks at the file.
    const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    persistence.ready()
    const table = `CREATE TABLE IF NOT EXISTS probe (x)`
    persistence.write(function* () {
      yield { kind: 'run', sql: table } as const
    })
    const watched = new Promise<void>((resolve) => {
      const watcher = watch(file, () => {
        watcher.close()
        resolve()
      })
    })
    deleteDatabase(file)
    await watched // our own watch fired: PersistDB's, set up earlier, has been told too
    expect(() =>
      persistence.write(function* () {
        yield { kind: 'run', sql: `INSERT INTO probe VALUES (1)` } as const
      }),
    ).toThrow(DatabaseFileReplacedError)
    expect(persistence.failedWith).toBeInstanceOf(DatabaseFileReplacedError)
    await persistence.close()
  })

  it('no window: a write in the same tick as the deletion is refused (the commit stats the path itself)', async () => {
    const file = fresh()
    const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    persistence.ready()
    const insert = (x: number) =>
      persistence.write(function* () {
        yield { kind: 'run', sql: `INSERT INTO probe VALUES (${x})` } as const
      })
    persistence.write(function* () {
      yield { kind: 'run', sql: `CREATE TABLE IF NOT EXISTS probe (x)` } as const
    })
    // The same write works while the file is there: what follows is refused because of the deletion.
    insert(1)
    deleteDatabase(file)
    // No event-loop turn in between: the watch has not fired yet.
    expect(() => insert(2)).toThrow(DatabaseFileReplacedError)
    expect(persistence.failedWith).toBeInstanceOf(DatabaseFileReplacedError)
    await persistence.close()
  })

  it('a collection insert in the same tick as the deletion is not acknowledged and does not stay in memory', async () => {
    const file = fresh()
    const h = openTodos(file, { persistence: createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 }) })
    await h.collection.preload()
    const first = h.collection.insert({ id: 'a', title: 'acknowledged while the file existed' })
    await first.isPersisted.promise
    deleteDatabase(file)
    let acknowledged = false
    let refused: unknown
    try {
      const tx = h.collection.insert({ id: 'b', title: 'same tick as the deletion' })
      await tx.isPersisted.promise.then(
        () => (acknowledged = true),
        (error: unknown) => (refused = error),
      )
    } catch (error) {
      refused = error
    }
    expect(acknowledged).toBe(false)
    expect(refused).toBeDefined()
    await errorState(h.collection)
    expect(noteOf(h.collection).error).toBeInstanceOf(DatabaseFileReplacedError)
    expect(h.collection.has('b')).toBe(false)
    expect(existsSync(file)).toBe(false)
    await h.collection.cleanup()
    await h.persistence.close()
  })

  it('the app closes the better-sqlite3 connection it handed over: ConnectionClosedError, collections to error, nothing acknowledged', async () => {
    const file = fresh()
    const database = new Database(file)
    const h = openTodos(file, { persistence: createNodeSQLitePersistence({ database, pollIntervalMs: 0 }) })
    await h.collection.preload()
    await h.collection.insert({ id: 'a', title: 'acknowledged while open' }).isPersisted.promise
    database.close()
    let acknowledged = false
    let refused: unknown
    try {
      await h.collection.insert({ id: 'b', title: 'after close' }).isPersisted.promise
      acknowledged = true
    } catch (error) {
      refused = error
    }
    expect(acknowledged).toBe(false)
    expect(refused).toBeDefined()
    await errorState(h.collection)
    expect(noteOf(h.collection).error).toBeInstanceOf(ConnectionClosedError)
    expect(noteOf(h.collection).error).toMatchObject({ code: 'PERSISTDB_CONNECTION_CLOSED' })
    expect((noteOf(h.collection).error as Error).message).toMatch(/was closed by the app/)
    expect(h.collection.has('b')).toBe(false)
    await h.collection.cleanup()
    await h.persistence.close()
    expect([...storedRows(file, 'todos').keys()]).toEqual(['a'])
  })

  it('a connection closed by the app while idle: the next poll stops the persistence, collections go to error without a write', async () => {
    const file = fresh()
    const database = new Database(file)
    const h = openTodos(file, { persistence: createNodeSQLitePersistence({ database, pollIntervalMs: 5 }) })
    await h.collection.preload()
    expect(h.collection.status).toBe('ready')
    database.close()
    await errorState(h.collection)
    expect(h.persistence.failedWith).toBeInstanceOf(ConnectionClosedError)
    await h.collection.cleanup()
    await h.persistence.close()
  })

  it('a synced collection stops too: a source commit after the deletion is not persisted and errors the collection', async () => {
    const file = fresh()
    const persistence: SQLitePersistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    let push: ((row: Todo) => void) | undefined
    const collection = createCollection(
      persistedCollectionOptions({
        id: 'synced',
        getKey: (row: Todo) => row.id,
        persistence,
        sync: {
          sync: ({ begin, write, commit, markReady }) => {
            push = (row) => {
              begin()
              write({ type: 'insert', value: row })
              commit()
            }
            markReady()
          },
        },
      }),
    )
    await collection.preload()
    push!({ id: 'a', title: 'synced while the file existed' })
    expect(storedRows(file, 'synced').has('a')).toBe(true)
    deleteDatabase(file)
    await errorState(collection as unknown as Handle['collection'])
    push!({ id: 'b', title: 'after the deletion' })
    expect(collection.utils.getPersistenceStatus().error).toBeInstanceOf(DatabaseFileReplacedError)
    expect(persistence.failedWith).toBeInstanceOf(DatabaseFileReplacedError)
    await collection.cleanup()
    await persistence.close()
  })
})
