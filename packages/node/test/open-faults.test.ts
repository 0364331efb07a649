/**
 * Issue 14: every way opening a file can fail has its own typed error, and the
 * file is left exactly as it was. Core's shared open-fault suite runs here as on
 * every runtime; the cases below add what only Node shows (its errors at
 * create time). (Read-only files run as an unprivileged user: read-only.test.ts
 * and the suite. A file deleted under a running persistence:
 * file-replaced.test.ts.)
 */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import {
  ConnectionClosedError,
  DamagedDatabaseError,
  DatabaseBusyError,
  MissingDirectoryError,
  NotSQLiteFileError,
  PersistenceError,
} from '@persistdb/core'
import { describeOpenFaults } from '../../core/test/contract/open-faults'
import { createNodeSQLitePersistence } from '../src'
import { closeHandle, fileSha, makeAppDatabase, openTodos, rowsOf, tempDir } from './helpers'

const tmp = tempDir('persistdb-open-faults-')
let n = 0
const fresh = () => tmp.file(`open-${++n}.sqlite`)
afterAll(() => tmp.cleanup())

describeOpenFaults('better-sqlite3', {
  dir: tmp.dir,
  open: (file, options) => createNodeSQLitePersistence({ path: file, pollIntervalMs: 0, ...options }),
  openClosed: (file) => {
    const database = new Database(file)
    database.close()
    return createNodeSQLitePersistence({ database, pollIntervalMs: 0 })
  },
  missingDirectory: 'refused',
  readOnlyChild: 'read-only-child.ts',
})

/** The error createNodeSQLitePersistence throws for `path` (fails the test when it opens). */
function openFailure(options: Parameters<typeof createNodeSQLitePersistence>[0]): PersistenceError {
  try {
    const persistence = createNodeSQLitePersistence(options)
    void persistence.close()
  } catch (error) {
    expect(error).toBeInstanceOf(PersistenceError)
    return error as PersistenceError
  }
  throw new Error('the persistence opened')
}

describe('a damaged SQLite file of another application', () => {
  it('is refused with DamagedDatabaseError before anything is written: byte-identical, no WAL, no journal', () => {
    const file = fresh()
    makeAppDatabase(file, { damaged: [3, 5, 7] })
    // The damage hides from a plain read of the schema: only an integrity check finds it.
    const probe = new Database(file)
    expect(probe.prepare(`SELECT name FROM sqlite_master`).all()).toEqual([{ name: 'users' }])
    probe.close()
    const before = fileSha(file)
    const error = openFailure({ path: file })
    expect(error).toBeInstanceOf(DamagedDatabaseError)
    expect(error.code).toBe('PERSISTDB_DAMAGED_DATABASE')
    expect(error.message).toMatch(/damaged SQLite database.*changed nothing.*new file/s)
    expect(fileSha(file)).toBe(before)
    for (const suffix of ['-wal', '-shm', '-journal']) expect(existsSync(file + suffix)).toBe(false)
  })

  it('the same file undamaged is adopted (the check refuses damage, not foreign tables)', async () => {
    const file = fresh()
    makeAppDatabase(file)
    const h = openTodos(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a', title: 'beside the app' })
    await closeHandle(h)
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 3000 })
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
    db.close()
  })

  it('a file whose first page (the header) is overwritten is NotSQLiteFileError, unchanged', () => {
    const file = fresh()
    makeAppDatabase(file)
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.alloc(4096, 0), 0, 4096, 0)
    closeSync(fd)
    const before = fileSha(file)
    const error = openFailure({ path: file })
    expect(error).toBeInstanceOf(NotSQLiteFileError)
    expect(error.code).toBe('PERSISTDB_NOT_SQLITE')
    expect(error.message).not.toMatch(/damaged/)
    expect(fileSha(file)).toBe(before)
    expect(existsSync(`${file}-wal`)).toBe(false)
  })
})

describe('paths and connections', () => {
  it('a path whose directory does not exist: MissingDirectoryError, nothing created', () => {
    const directory = join(tmp.dir, 'no', 'such', 'dir')
    const error = openFailure({ path: join(directory, 'db.sqlite') })
    expect(error).toBeInstanceOf(MissingDirectoryError)
    expect(error.code).toBe('PERSISTDB_MISSING_DIRECTORY')
    expect(error.message).toContain(directory)
    expect(existsSync(join(tmp.dir, 'no'))).toBe(false)
  })

  it('a closed better-sqlite3 connection: ConnectionClosedError (not "damaged"), file untouched', () => {
    const file = fresh()
    makeAppDatabase(file, { rows: 10 })
    const before = fileSha(file)
    const database = new Database(file)
    database.close()
    const error = openFailure({ database })
    expect(error).toBeInstanceOf(ConnectionClosedError)
    expect(error.code).toBe('PERSISTDB_CONNECTION_CLOSED')
    expect(error.message).not.toMatch(/damaged/)
    expect(fileSha(file)).toBe(before)
  })

  it('a file another connection holds exclusively: DatabaseBusyError; it opens once the lock is gone', async () => {
    const file = fresh()
    makeAppDatabase(file, { rows: 10 })
    const other = new Database(file)
    other.exec('BEGIN EXCLUSIVE')
    other.exec(`INSERT INTO users (name) VALUES ('uncommitted')`)
    try {
      const error = openFailure({ path: file, busyTimeoutMs: 50 })
      expect(error).toBeInstanceOf(DatabaseBusyError)
      expect(error.code).toBe('PERSISTDB_BUSY')
      expect(error.message).toMatch(/locked by another connection \(waited 50 ms\).*busyTimeoutMs/s)
      expect(error.message).not.toMatch(/damaged/)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    const h = openTodos(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a', title: 'after the lock' })
    await closeHandle(h)
    const reopened = openTodos(file)
    await reopened.collection.preload()
    expect(rowsOf(reopened.collection)).toEqual([{ id: 'a', title: 'after the lock' }])
    await closeHandle(reopened)
  })
})
