/**
 * The package's entry points over the expo-sqlite shim backed by real SQLite:
 * option checks, the by-name form (expo-sqlite's `openDatabaseAsync` answered
 * by the shim), and files that are not PersistDB databases.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it, vi } from 'vitest'
import {
  createExpoSQLitePersistence,
  ForeignDatabaseError,
  NotSQLiteFileError,
  InvalidOptionsError,
  openExpoSQLitePersistence,
  type ExpoDatabase,
} from '../src'
import { storedRows } from '../../node/test/helpers'
import { openShimDatabaseAsync, type ShimDatabase } from './support/expo-sqlite-shim'
import { tempDir } from './support/files'
import { todo, todosIn } from './support/todos'

const tmp = tempDir('persistdb-expo-persistence-')
afterAll(() => tmp.cleanup())

const openedByName: ShimDatabase[] = []
vi.mock('expo-sqlite', () => ({
  openDatabaseAsync: async (name: string, _options: unknown, directory: string) => {
    const database = await openShimDatabaseAsync(join(directory, name))
    openedByName.push(database)
    return database
  },
}))

describe('createExpoSQLitePersistence', () => {
  it('refuses a missing database and bad settings with typed errors', async () => {
    const database = await openShimDatabaseAsync(tmp.file('options.db'))
    expect(() => createExpoSQLitePersistence({} as { database: ExpoDatabase })).toThrow(InvalidOptionsError)
    expect(() => createExpoSQLitePersistence({ database, busyTimeoutMs: -1 })).toThrow(InvalidOptionsError)
    expect(() => createExpoSQLitePersistence({ database, synchronous: 'OFF' as unknown as 'FULL' })).toThrow(
      InvalidOptionsError,
    )
    // Valid settings are taken (the same database, accepted).
    const persistence = createExpoSQLitePersistence({ database, synchronous: 'FULL', busyTimeoutMs: 0 })
    await persistence.close()
    await database.closeAsync()
  })

  it("refuses another application's database before changing anything in it", async () => {
    const file = tmp.file('foreign.db')
    const other = new Database(file)
    other.exec(
      "CREATE TABLE persistdb_meta (key TEXT, value TEXT); INSERT INTO persistdb_meta VALUES ('app', 'x')",
    )
    other.close()
    const database = await openShimDatabaseAsync(file)
    const persistence = createExpoSQLitePersistence({ database, pollIntervalMs: 0 })
    const todos = todosIn(persistence)
    await expect(todos.preload()).rejects.toBeInstanceOf(ForeignDatabaseError)
    await database.closeAsync()
    const check = new Database(file)
    // Still in its own journal mode: the refusal came before the switch to WAL.
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete')
    check.close()
  })

  it('refuses a file that is not SQLite with a typed error', async () => {
    const file = tmp.file('not-sqlite.db')
    writeFileSync(file, 'this is not a database, but it is long enough to have a header '.repeat(20))
    const database = await openShimDatabaseAsync(file)
    const todos = todosIn(createExpoSQLitePersistence({ database, pollIntervalMs: 0 }))
    await expect(todos.preload()).rejects.toBeInstanceOf(NotSQLiteFileError)
    await database.closeAsync()
  })
})

describe('openExpoSQLitePersistence (by name)', () => {
  it('opens the database with openDatabaseAsync, persists, and closes it on close()', async () => {
    await expect(openExpoSQLitePersistence({ databaseName: '' })).rejects.toBeInstanceOf(InvalidOptionsError)
    const persistence = await openExpoSQLitePersistence({ databaseName: 'named.db', directory: tmp.dir })
    const todos = todosIn(persistence)
    await todos.preload()
    await todos.insert(todo('n1')).isPersisted.promise
    await todos.cleanup()
    await persistence.close()
    expect(storedRows(tmp.file('named.db'), 'todos').get('n1')).toEqual(todo('n1'))
    // The persistence opened it, so it closed it.
    expect(openedByName).toHaveLength(1)
    await expect(openedByName[0]!.execAsync('SELECT 1')).rejects.toThrow('Access to closed resource')
  })
})
