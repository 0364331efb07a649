/**
 * Issue 14 on Electron: main owns the file (better-sqlite3 through
 * @persistdb/node), so open-time checks run there: a file Node refuses at
 * `createNodeSQLitePersistence` (damaged, not SQLite, foreign, newer format,
 * missing directory, closed connection, busy) throws its typed error in main,
 * before anything is served; a window of a main that serves nothing gets
 * RemoteUnavailableError (typed-errors.test.ts). What a window does meet is a
 * file main opened but cannot write: here main runs as an unprivileged user
 * (`nobody` when the tests run as root) on a 0444 file in a 0555 directory,
 * and the window gets ReadOnlyDatabaseError with its code and fields. The
 * file deleted under a running main stops main's persistence
 * (DatabaseFileReplacedError, found by @persistdb/node's file watch) and every
 * window is told, typed.
 */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { createCollection } from '@tanstack/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DatabaseFileReplacedError, persistedCollectionOptions, ReadOnlyDatabaseError } from '@persistdb/core'
import { createNodeSQLitePersistence } from '@persistdb/node'
import { fileSha } from '../../core/test/support/fault-files'
import { APP_FRAME, EmulatedElectron } from './support/electron-emulation'
import { diskRows } from './support/disk'
import { openTodos, tempDir, type Todo } from './support/windows'

const isRoot = process.getuid?.() === 0
/** nobody:nogroup on Debian; only root can switch users. */
const NOBODY = { uid: 65534, gid: 65534 }

const tmp = tempDir()
const file = join(tmp.dir, 'read-only', 'app.sqlite')
let before = ''
let electron: EmulatedElectron

/** A PersistDB file with todos a, b (rollback journal), then made read-only with its directory. */
async function readOnlyPersistDBFile(): Promise<void> {
  mkdirSync(dirname(file), { recursive: true })
  const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
  const todos = createCollection(
    persistedCollectionOptions<Todo, string>({
      id: 'todos',
      getKey: (t) => t.id,
      persistence,
      schemaVersion: 1,
    }),
  )
  await todos.preload()
  todos.insert([
    { id: 'a', title: 'first' },
    { id: 'b', title: 'second' },
  ])
  await todos.cleanup()
  await persistence.close()
  const db = new Database(file)
  db.pragma('journal_mode = DELETE')
  db.close()
  chmodSync(file, 0o444)
  chmodSync(dirname(file), 0o555)
  chmodSync(tmp.dir, 0o755)
  before = fileSha(file)
}

beforeAll(async () => {
  await readOnlyPersistDBFile()
  electron = await EmulatedElectron.start(
    { file, allowOrigins: [APP_FRAME.origin] },
    isRoot ? NOBODY : undefined,
  )
}, 60_000)
afterAll(async () => {
  await electron?.close()
  chmodSync(dirname(file), 0o755)
  tmp.cleanup()
})

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  )

describe('Electron: a read-only file, main running as an unprivileged user', () => {
  it('a window reads the rows; its write and a new collection fail with ReadOnlyDatabaseError (code, canRead) across IPC; the file is unchanged', async () => {
    const { todos } = openTodos(electron.window())
    await todos.preload()
    expect(todos.toArray.map((t) => ({ id: t.id, title: t.title }))).toEqual([
      { id: 'a', title: 'first' },
      { id: 'b', title: 'second' },
    ])

    const error = await failure(todos.insert({ id: 'c', title: 'refused' }).isPersisted.promise)
    expect(error).toBeInstanceOf(ReadOnlyDatabaseError)
    expect(error).toMatchObject({ code: 'PERSISTDB_READ_ONLY', canRead: true })
    expect((error as Error).message).toMatch(/healthy and was not changed; stored rows can be read/)
    expect((error as Error).message).not.toMatch(/damaged|Error invoking remote method/)

    const other = openTodos(electron.window(), { id: 'other' })
    const created = await failure(other.todos.preload())
    expect(created).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })

    expect(fileSha(file)).toBe(before)
    expect([...diskRows(file, 'todos').keys()].sort()).toEqual(['a', 'b'])
  })
})

describe('Electron: the file deleted under main', () => {
  const replacedTmp = tempDir()
  const live = replacedTmp.file()
  let served: EmulatedElectron
  beforeAll(async () => {
    served = await EmulatedElectron.start({ file: live, allowOrigins: [APP_FRAME.origin] })
  })
  afterAll(async () => {
    await served?.close()
    replacedTmp.cleanup()
  })

  it('main stops (DatabaseFileReplacedError), each window is told with the code and its collections move to the error state: a later write is refused, not acknowledged', async () => {
    const { persistence, todos } = openTodos(served.window())
    await todos.preload()
    await todos.insert({ id: 'a', title: 'kept' }).isPersisted.promise
    expect([...diskRows(live, 'todos').keys()]).toEqual(['a'])

    const told = new Promise<unknown>((resolve) => persistence.onFailure(resolve))
    unlinkSync(live)
    const notice = await told
    expect(notice).toBeInstanceOf(DatabaseFileReplacedError)
    expect(notice).toMatchObject({ code: 'PERSISTDB_FILE_REPLACED' })
    expect((notice as Error).message).toMatch(/was deleted while PersistDB had it open/)

    // The window's collections are in their error state: a write is refused at once, never acknowledged.
    expect(todos.status).toBe('error')
    expect(() => todos.insert({ id: 'b', title: 'after' })).toThrow(/error state/)
    expect(existsSync(live)).toBe(false)
  })
})
