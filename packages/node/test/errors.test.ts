/**
 * Typed errors with stable codes: files PersistDB must refuse (and leave alone), invalid options, and SQLite
 * failures during a local write (nothing half-applied, later writes work).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { createCollection, createTransaction } from '@tanstack/db'
import {
  ForeignDatabaseError,
  InvalidCollectionIdError,
  InvalidOptionsError,
  NotSQLiteFileError,
  PersistenceClosedError,
  PersistenceError,
  PersistenceReadError,
  PersistenceWriteError,
  StorageFormatError,
  STORAGE_FORMAT,
  type SQLitePersistence,
} from '@persistdb/core'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { byStringKey, closeHandle as close, memoryRowMap, rowsTableOf, storedRows, tempDir } from './helpers'

interface Row {
  id: string
  [field: string]: unknown
}

function memoryRows(collection: { toArray: object[] }): Record<string, Record<string, unknown>> {
  return byStringKey(memoryRowMap(collection))
}

function tableOf(db: Database.Database, name: string): string {
  const table = rowsTableOf(db, name)
  if (!table) throw new Error(`no collection ${name} on disk`)
  return table
}

function diskRows(file: string, name: string): Record<string, unknown> {
  return byStringKey(storedRows(file, name))
}

/** Runs SQL on a second, raw connection to the same file. */
function raw(file: string, sql: string): void {
  const db = new Database(file)
  try {
    db.exec(sql)
  } finally {
    db.close()
  }
}

function open(
  file: string,
  options: { id?: string; persistence?: SQLitePersistence; onInsert?: () => Promise<void> } = {},
) {
  const persistence = options.persistence ?? createNodeSQLitePersistence({ path: file })
  const collection = createCollection(
    persistedCollectionOptions<Row, string>({
      id: options.id ?? 'c1',
      getKey: (row) => row.id,
      persistence,
      ...(options.onInsert ? { onInsert: options.onInsert } : {}),
    }),
  )
  return { collection, persistence }
}

/**
 * Opens a persistence and a collection on `file` and returns the error, whether createNodeSQLitePersistence
 * threw it or the collection went to 'error' with it (preload rejects).
 */
async function openError(file: string): Promise<{ error: unknown; stage: 'create' | 'preload' | 'none' }> {
  let persistence: SQLitePersistence
  try {
    persistence = createNodeSQLitePersistence({ path: file })
  } catch (error) {
    return { error, stage: 'create' }
  }
  const h = open(file, { persistence })
  try {
    await h.collection.preload()
    return { error: undefined, stage: 'none' }
  } catch (error) {
    expect(h.collection.status).toBe('error')
    return { error, stage: 'preload' }
  } finally {
    await close(h)
  }
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

/** Every table's full contents, for "nothing changed" checks on SQLite files we must not touch. */
function dump(file: string): unknown {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const tables = db.prepare(`SELECT name, sql FROM sqlite_master ORDER BY name`).all() as Array<{
      name: string
      sql: string
    }>
    return tables.map((t) => ({
      ...t,
      rows: t.sql?.startsWith('CREATE TABLE')
        ? db.prepare(`SELECT * FROM "${t.name.replaceAll('"', '""')}"`).all()
        : [],
    }))
  } finally {
    db.close()
  }
}

/** A plain (rollback-journal) SQLite file made by "another application". */
function makeSqlite(file: string, sql: string): void {
  const db = new Database(file)
  db.pragma('journal_mode = DELETE')
  db.exec(sql)
  db.close()
}

const tmp = tempDir('persistdb-errors-')
let n = 0
const freshFile = () => tmp.file(`errors-${++n}.sqlite`)
afterAll(() => tmp.cleanup())

describe('files PersistDB must refuse', () => {
  it('a non-SQLite file (random bytes): NotSQLiteFileError, file bytes unchanged', async () => {
    const file = freshFile()
    let seed = 12345
    const bytes = Buffer.alloc(16384)
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      bytes[i] = seed >> 16
    }
    writeFileSync(file, bytes)
    const before = sha(file)
    const { error, stage } = await openError(file)
    expect(stage).not.toBe('none')
    expect(error).toBeInstanceOf(NotSQLiteFileError)
    expect(error).toMatchObject({ code: 'PERSISTDB_NOT_SQLITE' })
    expect(sha(file)).toBe(before)
    expect(existsSync(`${file}-wal`)).toBe(false)
  })

  it('a text file: NotSQLiteFileError, file unchanged', async () => {
    const file = freshFile()
    writeFileSync(file, 'hello, I am a config file\n'.repeat(200))
    const before = sha(file)
    const { error } = await openError(file)
    expect(error).toBeInstanceOf(NotSQLiteFileError)
    expect(sha(file)).toBe(before)
  })

  it('a SQLite database with a foreign persistdb_meta (app != persistdb): ForeignDatabaseError, contents unchanged', async () => {
    const file = freshFile()
    makeSqlite(
      file,
      `CREATE TABLE persistdb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       INSERT INTO persistdb_meta VALUES ('app', 'someone-else'), ('format', '1');
       CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
       INSERT INTO notes (body) VALUES ('keep me');`,
    )
    const before = dump(file)
    const bytes = sha(file)
    const { error } = await openError(file)
    expect(error).toBeInstanceOf(ForeignDatabaseError)
    expect(error).toMatchObject({ code: 'PERSISTDB_FOREIGN_DATABASE' })
    expect(dump(file)).toEqual(before)
    // Byte for byte: not even the journal mode was switched to WAL.
    expect(sha(file)).toBe(bytes)
  })

  it('a foreign persistdb_meta passed as an open Database: refused before its journal mode is touched', () => {
    const file = freshFile()
    makeSqlite(file, `CREATE TABLE persistdb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`)
    const database = new Database(file)
    try {
      expect(() => createNodeSQLitePersistence({ database })).toThrow(ForeignDatabaseError)
      expect(database.open).toBe(true) // the caller owns it
      expect(database.pragma('journal_mode', { simple: true })).toBe('delete')
    } finally {
      database.close()
    }
  })

  it('a persistdb_meta without an app marker is foreign too', async () => {
    const file = freshFile()
    makeSqlite(file, `CREATE TABLE persistdb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`)
    const bytes = sha(file)
    const { error } = await openError(file)
    expect(error).toBeInstanceOf(ForeignDatabaseError)
    expect(sha(file)).toBe(bytes)
  })

  it('a future storage format: StorageFormatError, contents unchanged', async () => {
    const file = freshFile()
    // A real PersistDB file with rows, then marked as written by a newer format.
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a', v: 1 })
    await close(h)
    raw(file, `UPDATE persistdb_meta SET value = '${STORAGE_FORMAT + 1}' WHERE key = 'format'`)
    const before = dump(file)
    const { error } = await openError(file)
    expect(error).toBeInstanceOf(StorageFormatError)
    expect(error).toMatchObject({ code: 'PERSISTDB_STORAGE_FORMAT' })
    expect(dump(file)).toEqual(before)
    // Put the marker back: the rows are all there.
    raw(file, `UPDATE persistdb_meta SET value = '${STORAGE_FORMAT}' WHERE key = 'format'`)
    const back = open(file)
    await back.collection.preload()
    expect(memoryRows(back.collection)).toStrictEqual({ a: { id: 'a', v: 1 } })
    await close(back)
  })

  it('a damaged format marker: StorageFormatError', async () => {
    const file = freshFile()
    makeSqlite(
      file,
      `CREATE TABLE persistdb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       INSERT INTO persistdb_meta VALUES ('app', 'persistdb'), ('format', 'banana');`,
    )
    const before = dump(file)
    const { error } = await openError(file)
    expect(error).toBeInstanceOf(StorageFormatError)
    expect(dump(file)).toEqual(before)
  })

  it('a database shared with the application’s own tables is accepted and those tables are untouched', async () => {
    const file = freshFile()
    makeSqlite(
      file,
      `CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT);
       INSERT INTO todos VALUES ('app-1', 'owned by the app');
       CREATE TABLE rows (key TEXT, value TEXT);`,
    )
    const appTables = () => {
      const db = new Database(file)
      try {
        return [db.prepare('SELECT * FROM todos').all(), db.prepare('SELECT * FROM rows').all()]
      } finally {
        db.close()
      }
    }
    const before = appTables()
    const h = open(file, { id: 'todos' })
    await h.collection.preload()
    expect(h.collection.size).toBe(0)
    h.collection.insert({ id: 'p-1', title: 'owned by persistdb' })
    await close(h)
    expect(appTables()).toEqual(before)
    expect(diskRows(file, 'todos')).toStrictEqual({ 'p-1': { id: 'p-1', title: 'owned by persistdb' } })
  })
})

describe('a collection whose stored rows cannot be read', () => {
  it('restore fails with PersistenceReadError (cause attached), status error, registry untouched', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a', v: 1 })
    await close(h)
    // Damage: the rows table disappears behind PersistDB's back.
    const db = new Database(file)
    db.exec(`DROP TABLE ${tableOf(db, 'c1')}`)
    db.close()

    const again = open(file)
    const error = await again.collection.preload().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(PersistenceReadError)
    expect((error as PersistenceReadError).code).toBe('PERSISTDB_READ_FAILED')
    expect(String((error as Error).cause)).toMatch(/no such table/)
    expect(again.collection.status).toBe('error')
    expect(again.collection.utils.getPersistenceStatus()).toMatchObject({ state: 'failed', error })
    await close(again)
    const check = new Database(file)
    expect(check.prepare(`SELECT name FROM persistdb_collections`).all()).toEqual([{ name: 'c1' }])
    check.close()
  })
})

describe('invalid options', () => {
  it('persistedCollectionOptions without id (or an empty one) throws InvalidCollectionIdError', () => {
    const persistence = createNodeSQLitePersistence({ path: freshFile() })
    try {
      expect(() =>
        // @ts-expect-error id is required
        persistedCollectionOptions<Row, string>({ getKey: (row: Row) => row.id, persistence }),
      ).toThrow(InvalidCollectionIdError)
      for (const id of ['', 42, null]) {
        let error: unknown
        try {
          persistedCollectionOptions<Row, string>({ id: id as string, getKey: (row) => row.id, persistence })
        } catch (e) {
          error = e
        }
        expect(error).toBeInstanceOf(InvalidCollectionIdError)
        expect(error).toMatchObject({ code: 'PERSISTDB_INVALID_COLLECTION_ID' })
      }
    } finally {
      persistence.close()
    }
  })

  it('missing or bogus persistence throws InvalidOptionsError', () => {
    for (const persistence of [undefined, null, {}, { write: 'no' }]) {
      let error: unknown
      try {
        persistedCollectionOptions<Row, string>({
          id: 'x',
          getKey: (row) => row.id,
          persistence: persistence as unknown as SQLitePersistence,
        })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidOptionsError)
      expect(error).toMatchObject({ code: 'PERSISTDB_INVALID_OPTIONS' })
    }
  })

  it('bad schemaVersion, migrate, timeouts and node options throw InvalidOptionsError', () => {
    const persistence = createNodeSQLitePersistence({ path: freshFile() })
    try {
      const base = { id: 'x', getKey: (row: Row) => row.id, persistence }
      const bad: Array<Record<string, unknown>> = [
        { schemaVersion: -1 },
        { schemaVersion: 1.5 },
        { schemaVersion: '2' },
        { migrate: 'yes' },
        { networkTimeoutMs: -5 },
        { offlineReadyTimeoutMs: Infinity },
      ]
      for (const extra of bad) {
        expect(() => persistedCollectionOptions<Row, string>({ ...base, ...extra } as typeof base)).toThrow(
          InvalidOptionsError,
        )
      }
    } finally {
      persistence.close()
    }
    expect(() => createNodeSQLitePersistence({} as { path: string })).toThrow(InvalidOptionsError)
    expect(() => createNodeSQLitePersistence({ path: freshFile(), busyTimeoutMs: -1 })).toThrow(
      InvalidOptionsError,
    )
    expect(() =>
      createNodeSQLitePersistence({ path: freshFile(), synchronous: 'SOMETIMES' as unknown as 'FULL' }),
    ).toThrow(InvalidOptionsError)
    expect(() => createNodeSQLitePersistence({ path: freshFile(), pollIntervalMs: -1 })).toThrow(
      InvalidOptionsError,
    )
  })

  it('every error class carries a stable code and is a PersistenceError', () => {
    const errors = [
      new ForeignDatabaseError('x'),
      new StorageFormatError('x'),
      new InvalidCollectionIdError('x'),
      new InvalidOptionsError('x'),
      new PersistenceWriteError('c', new Error('x')),
    ]
    for (const error of errors) {
      expect(error).toBeInstanceOf(PersistenceError)
      expect(error.code).toMatch(/^PERSISTDB_[A-Z_]+$/)
      expect(error.name).toBe(error.constructor.name)
    }
  })
})

describe('SQLite failures during local writes', () => {
  it('a trigger aborting the write: insert() throws PersistenceWriteError, memory and disk unchanged, later writes work', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a', v: 1 })
    const table = (() => {
      const db = new Database(file)
      try {
        return tableOf(db, 'c1')
      } finally {
        db.close()
      }
    })()
    raw(file, `CREATE TRIGGER refuse BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'no'); END`)

    let error: unknown
    try {
      h.collection.insert({ id: 'b', v: 2 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PersistenceWriteError)
    expect(error).toMatchObject({ code: 'PERSISTDB_WRITE_FAILED', collectionId: 'c1' })
    expect(String(((error as Error).cause as Error)?.message)).toContain('no')
    expect(h.collection.has('b')).toBe(false)
    expect(memoryRows(h.collection)).toStrictEqual({ a: { id: 'a', v: 1 } })
    expect(diskRows(file, 'c1')).toStrictEqual({ a: { id: 'a', v: 1 } })

    // An update goes through the same upsert: refused, the row keeps its old value everywhere.
    expect(() =>
      h.collection.update('a', (d) => {
        d.v = 100
      }),
    ).toThrow(PersistenceWriteError)
    expect(memoryRows(h.collection)).toStrictEqual({ a: { id: 'a', v: 1 } })
    expect(diskRows(file, 'c1')).toStrictEqual({ a: { id: 'a', v: 1 } })
    expect(h.collection.status).toBe('ready')

    raw(file, `DROP TRIGGER refuse`)
    h.collection.insert({ id: 'c', v: 3 })
    h.collection.update('a', (d) => {
      d.v = 10
    })
    expect(diskRows(file, 'c1')).toStrictEqual({ a: { id: 'a', v: 10 }, c: { id: 'c', v: 3 } })
    await close(h)
    const again = open(file)
    await again.collection.preload()
    expect(memoryRows(again.collection)).toStrictEqual({ a: { id: 'a', v: 10 }, c: { id: 'c', v: 3 } })
    await close(again)
  })

  it('a refused delete keeps the row in memory and on disk', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a', v: 1 })
    const db = new Database(file)
    const table = tableOf(db, 'c1')
    db.exec(`CREATE TRIGGER keep BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, 'keep'); END`)
    expect(() => h.collection.delete('a')).toThrow(PersistenceWriteError)
    expect(h.collection.has('a')).toBe(true)
    expect(diskRows(file, 'c1')).toStrictEqual({ a: { id: 'a', v: 1 } })
    db.exec('DROP TRIGGER keep')
    db.close()
    h.collection.delete('a')
    expect(diskRows(file, 'c1')).toStrictEqual({})
    await close(h)
  })

  it('a multi-row write where SQLite refuses one row applies none of them', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    const db = new Database(file)
    db.exec(
      `CREATE TRIGGER picky BEFORE INSERT ON ${tableOf(db, 'c1')} WHEN NEW.key = 'bad' BEGIN SELECT RAISE(ABORT, 'bad row'); END`,
    )
    expect(() =>
      h.collection.insert([
        { id: 'good1', v: 1 },
        { id: 'bad', v: 2 },
        { id: 'good2', v: 3 },
      ]),
    ).toThrow(PersistenceWriteError)
    expect(h.collection.size).toBe(0)
    expect(diskRows(file, 'c1')).toStrictEqual({})

    // Same inside a manual transaction spanning the collection.
    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async ({ transaction }) => h.collection.utils.acceptMutations(transaction),
    })
    tx.mutate(() => {
      h.collection.insert({ id: 'good3', v: 4 })
      h.collection.insert({ id: 'bad', v: 5 })
    })
    await expect(tx.commit()).rejects.toBeInstanceOf(PersistenceWriteError)
    expect(h.collection.size).toBe(0)
    expect(diskRows(file, 'c1')).toStrictEqual({})
    db.exec('DROP TRIGGER picky')
    db.close()
    h.collection.insert({ id: 'bad', v: 6 })
    expect(diskRows(file, 'c1')).toStrictEqual({ bad: { id: 'bad', v: 6 } })
    await close(h)
  })

  it('a handler write refused by SQLite: isPersisted rejects with PersistenceWriteError, optimistic row rolled back', async () => {
    const file = freshFile()
    const h = open(file, { onInsert: async () => undefined })
    await h.collection.preload()
    const db = new Database(file)
    db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON ${tableOf(db, 'c1')} BEGIN SELECT RAISE(ABORT, 'no'); END`,
    )
    const tx = h.collection.insert({ id: 'x', v: 1 })
    await expect(tx.isPersisted.promise).rejects.toBeInstanceOf(PersistenceWriteError)
    expect(h.collection.has('x')).toBe(false)
    expect(diskRows(file, 'c1')).toStrictEqual({})
    db.exec('DROP TRIGGER refuse')
    db.close()
    await h.collection.insert({ id: 'y', v: 2 }).isPersisted.promise
    expect(diskRows(file, 'c1')).toStrictEqual({ y: { id: 'y', v: 2 } })
    await close(h)
  })

  it('a failure in one collection does not affect another collection on the same persistence', async () => {
    const file = freshFile()
    const persistence = createNodeSQLitePersistence({ path: file })
    const one = open(file, { id: 'one', persistence })
    const two = open(file, { id: 'two', persistence })
    await one.collection.preload()
    await two.collection.preload()
    const db = new Database(file)
    db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON ${tableOf(db, 'one')} BEGIN SELECT RAISE(ABORT, 'no'); END`,
    )
    db.close()
    expect(() => one.collection.insert({ id: 'x' })).toThrow(PersistenceWriteError)
    two.collection.insert({ id: 'y' })
    expect(diskRows(file, 'two')).toStrictEqual({ y: { id: 'y' } })
    await one.collection.cleanup()
    await two.collection.cleanup()
    await persistence.close()
  })

  it('a transaction spanning two collections where the second is refused: each collection stays memory === disk', async () => {
    const file = freshFile()
    const persistence = createNodeSQLitePersistence({ path: file })
    const one = open(file, { id: 'one', persistence })
    const two = open(file, { id: 'two', persistence })
    await one.collection.preload()
    await two.collection.preload()
    const db = new Database(file)
    db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON ${tableOf(db, 'two')} BEGIN SELECT RAISE(ABORT, 'no'); END`,
    )
    db.close()
    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async ({ transaction }) => {
        one.collection.utils.acceptMutations(transaction)
        two.collection.utils.acceptMutations(transaction)
      },
    })
    tx.mutate(() => {
      one.collection.insert({ id: 'x' })
      two.collection.insert({ id: 'y' })
    })
    await expect(tx.commit()).rejects.toBeInstanceOf(PersistenceWriteError)
    // acceptMutations confirms per collection (core has no cross-collection atomicity here): "one" accepted its
    // row before "two" failed. What matters is that neither collection diverges from its disk.
    expect(memoryRows(one.collection)).toStrictEqual(diskRows(file, 'one'))
    expect(memoryRows(two.collection)).toStrictEqual(diskRows(file, 'two'))
    expect(two.collection.size).toBe(0)
    await one.collection.cleanup()
    await two.collection.cleanup()
    await persistence.close()
  })

  it('writes after persistence.close() fail loudly (PersistenceClosedError), never memory-only', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a' })
    await h.persistence.close()
    let error: unknown
    try {
      h.collection.insert({ id: 'b' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PersistenceClosedError)
    expect(error).toMatchObject({ code: 'PERSISTDB_CLOSED' })
    expect(h.collection.has('b')).toBe(false)
    await h.collection.cleanup()
    // And a collection opened on a closed persistence goes to error.
    const late = open(file, { persistence: h.persistence, id: 'late' })
    await expect(late.collection.preload()).rejects.toBeInstanceOf(PersistenceClosedError)
    expect(late.collection.status).toBe('error')
    await late.collection.cleanup()
    expect(diskRows(file, 'c1')).toStrictEqual({ a: { id: 'a' } })
  })
})
