/**
 * Issue 14: the database file deleted or replaced under a running persistence.
 * SQLite in WAL mode keeps writing into the unlinked inode and reports nothing,
 * so without a check every later write is acknowledged and lost at exit. Now
 * the write that would be acknowledged first fails (rolled back) with
 * DatabaseFileReplacedError, every collection on the persistence moves to
 * 'error' with it, and nothing further is acknowledged. An idle persistence
 * notices at its next poll.
 */
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { createCollection } from '@tanstack/db'
import { DatabaseFileReplacedError, type SQLitePersistence } from '@persistdb/core'
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
  it('deleted: the next write fails with DatabaseFileReplacedError, both collections go to error, nothing more is acknowledged', async () => {
    const file = fresh()
    const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const todos = openTodos(file, { persistence })
    const notes = openTodos(file, { persistence, id: 'notes' })
    await Promise.all([todos.collection.preload(), notes.collection.preload()])
    todos.collection.insert({ id: 'before', title: 'acknowledged while the file existed' })
    expect(storedRows(file, 'todos').has('before')).toBe(true)

    deleteDatabase(file)
    const failed = Promise.all([errorState(todos.collection), errorState(notes.collection)])
    let thrown: unknown
    try {
      todos.collection.insert({ id: 'after', title: 'would go to the unlinked file' })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(DatabaseFileReplacedError)
    expect(thrown).toMatchObject({ code: 'PERSISTDB_FILE_REPLACED' })
    expect((thrown as Error).message).toMatch(
      /was deleted while PersistDB had it open.*nothing after it is acknowledged/s,
    )
    // The refused write is not in memory either.
    expect(todos.collection.has('after')).toBe(false)
    await failed
    for (const c of [todos.collection, notes.collection]) {
      expect(noteOf(c)).toMatchObject({ state: 'failed', error: thrown })
      expect(() => c.insert({ id: 'later', title: 'refused' })).toThrow()
    }
    expect(persistence.failedWith).toBe(thrown)
    expect(() => persistence.write(function* () {})).toThrow(DatabaseFileReplacedError)
    // Nothing was recreated at the path.
    expect(existsSync(file)).toBe(false)
    await todos.collection.cleanup()
    await notes.collection.cleanup()
    await persistence.close()
  })

  it('replaced by another file (rename over it): the write is refused and the new file is left byte-identical', async () => {
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

    expect(() => h.collection.insert({ id: 'b', title: 'second' })).toThrow(DatabaseFileReplacedError)
    await errorState(h.collection)
    expect(noteOf(h.collection).error).toMatchObject({ code: 'PERSISTDB_FILE_REPLACED' })
    expect((noteOf(h.collection).error as Error).message).toMatch(/was replaced/)
    await h.collection.cleanup()
    await h.persistence.close()
    expect(fileSha(file)).toBe(before)
    // The file at the path is the replacement, with what was acknowledged before it was copied.
    expect([...storedRows(file, 'todos').keys()]).toEqual(['a'])
  })

  it('an idle persistence notices at its next poll: the collection moves to error before any write', async () => {
    const file = fresh()
    const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 10 })
    const h = openTodos(file, { persistence })
    await h.collection.preload()
    h.collection.insert({ id: 'a', title: 'stored' })
    expect(h.collection.status).toBe('ready')
    deleteDatabase(file)
    await errorState(h.collection)
    expect(noteOf(h.collection).error).toBeInstanceOf(DatabaseFileReplacedError)
    await h.collection.cleanup()
    await persistence.close()
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
    push!({ id: 'b', title: 'after the deletion' })
    await errorState(collection as unknown as Handle['collection'])
    expect(collection.utils.getPersistenceStatus().error).toBeInstanceOf(DatabaseFileReplacedError)
    expect(persistence.failedWith).toBeInstanceOf(DatabaseFileReplacedError)
    await collection.cleanup()
    await persistence.close()
  })
})
