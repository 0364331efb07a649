import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeSQLitePersistence } from '../src'
import { openTodos, tempDir, rowsOf } from './helpers'

describe('local-only smoke', () => {
  const tmp = tempDir()
  afterEach(() => undefined)

  it('insert, restart, rows are back', async () => {
    const file = tmp.file('smoke.sqlite')
    const a = openTodos(file)
    await a.collection.preload()
    a.collection.insert({ id: 'a', title: 'A' })
    a.collection.insert({ id: 'b', title: 'B' })
    a.collection.update('a', (d) => {
      d.title = 'A2'
    })
    a.collection.delete('b')
    await a.collection.cleanup()
    a.persistence.close()

    const b = openTodos(file)
    await b.collection.preload()
    expect(rowsOf(b.collection)).toEqual([{ id: 'a', title: 'A2' }])
    b.persistence.close()
  })
})

describe('one persistence, two collections with the same id', () => {
  it("each sees the other's writes (a run skips only its own change-log entries)", async () => {
    const tmp = tempDir()
    const persistence = createNodeSQLitePersistence({ path: tmp.file(), pollIntervalMs: 0 })
    const a = openTodos('', { persistence })
    const b = openTodos('', { persistence })
    await a.collection.preload()
    await b.collection.preload()
    a.collection.insert({ id: 'from-a', title: 'A' })
    b.collection.insert({ id: 'from-b', title: 'B' })
    persistence.poll()
    expect(rowsOf(a.collection)).toEqual([
      { id: 'from-a', title: 'A' },
      { id: 'from-b', title: 'B' },
    ])
    expect(rowsOf(b.collection)).toEqual(rowsOf(a.collection))
    persistence.close()
    tmp.cleanup()
  })
})

describe('createNodeSQLitePersistence settings', () => {
  it('defaults to WAL, synchronous=NORMAL and a 5 s busy timeout on a { path } database', () => {
    const tmp = tempDir()
    const file = tmp.file()
    const persistence = createNodeSQLitePersistence({ path: file })
    persistence.close()
    // journal_mode is stored in the file; synchronous and busy_timeout belong to the connection.
    const db = new Database(file)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
    const own = new Database(tmp.file('own.sqlite'))
    const p = createNodeSQLitePersistence({ database: own })
    expect(own.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(own.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
    expect(own.pragma('busy_timeout', { simple: true })).toBe(5000)
    p.close()
    // A database the caller passed stays theirs: close() leaves it open.
    expect(own.open).toBe(true)
    own.close()
    tmp.cleanup()
  })

  it('synchronous and busyTimeoutMs are applied as given', () => {
    const tmp = tempDir()
    const own = new Database(tmp.file())
    const p = createNodeSQLitePersistence({ database: own, synchronous: 'FULL', busyTimeoutMs: 1234 })
    expect(own.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(own.pragma('busy_timeout', { simple: true })).toBe(1234)
    p.close()
    own.close()
    tmp.cleanup()
  })
})
