/**
 * Local-only collections: every mutation path core offers (direct writes, handler confirmations,
 * utils.acceptMutations, initialData) must be on disk when it is acknowledged and come back after a restart
 * with a fresh persistence and collection on the same file.
 */
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { createCollection, createTransaction } from '@tanstack/db'
import {
  MigrationFailedError,
  SchemaVersionMismatchError,
  UnsupportedValueError,
  type SQLitePersistence,
} from '@persistdb/core'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import {
  byStringKey,
  closeHandle as close,
  withoutVirtualProps,
  memoryRowMap,
  storedRows,
  tempDir,
} from './helpers'

interface Row {
  id: string
  [field: string]: unknown
}

interface Handlers {
  onInsert?: () => Promise<void>
  onUpdate?: () => Promise<void>
  onDelete?: () => Promise<void>
}

function memoryRows(collection: { toArray: object[] }): Record<string, Record<string, unknown>> {
  return byStringKey(memoryRowMap(collection))
}

/** What is on disk for collection `name`, decoded, read through a separate raw connection. */
function diskRows(file: string, name: string): Record<string, unknown> {
  return byStringKey(storedRows(file, name))
}

/** The stored JSON text of one row. */
function rawValue(file: string, name: string, key: string): string | undefined {
  const db = new Database(file)
  try {
    const found = db.prepare('SELECT id FROM persistdb_collections WHERE name = ?').get(name) as {
      id: number
    }
    const row = db.prepare(`SELECT value FROM "persistdb_c${found.id}_rows" WHERE key = ?`).get(key) as
      { value: string } | undefined
    return row?.value
  } finally {
    db.close()
  }
}

function open(
  file: string,
  options: { id?: string; persistence?: SQLitePersistence; initialData?: Row[]; handlers?: Handlers } = {},
) {
  const persistence = options.persistence ?? createNodeSQLitePersistence({ path: file })
  const collection = createCollection(
    persistedCollectionOptions<Row, string>({
      id: options.id ?? 'items',
      getKey: (row) => row.id,
      persistence,
      ...(options.initialData ? { initialData: options.initialData } : {}),
      ...options.handlers,
    }),
  )
  return { collection, persistence }
}

/** Opens, preloads, returns the rows (memory), checks memory === disk, closes. */
async function reopenRows(file: string, id = 'items'): Promise<Record<string, Record<string, unknown>>> {
  const handle = open(file, { id })
  await handle.collection.preload()
  const rows = memoryRows(handle.collection)
  expect(rows).toStrictEqual(diskRows(file, id))
  await close(handle)
  return rows
}

const tmp = tempDir('persistdb-local-')
let n = 0
const freshFile = () => tmp.file(`local-${++n}.sqlite`)
afterAll(() => tmp.cleanup())

describe('local-only: every mutation path survives a restart', () => {
  it('failure mode 3: direct writes (no handlers) are on disk when insert/update/delete return', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'a', title: 'A' })
    expect(diskRows(file, 'items')).toStrictEqual({ a: { id: 'a', title: 'A' } })
    h.collection.insert([
      { id: 'b', title: 'B' },
      { id: 'c', title: 'C' },
    ])
    h.collection.update('a', (d) => {
      d.title = 'A2'
    })
    expect(diskRows(file, 'items').a).toStrictEqual({ id: 'a', title: 'A2' })
    h.collection.delete('b')
    expect(Object.keys(diskRows(file, 'items')).sort()).toEqual(['a', 'c'])
    await close(h)

    expect(await reopenRows(file)).toStrictEqual({
      a: { id: 'a', title: 'A2' },
      c: { id: 'c', title: 'C' },
    })
  })

  it('handler + confirm: async onInsert/onUpdate/onDelete writes are on disk once isPersisted resolves', async () => {
    const file = freshFile()
    const calls: string[] = []
    const handler = (name: string) => async () => {
      calls.push(name)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const handlers = { onInsert: handler('insert'), onUpdate: handler('update'), onDelete: handler('delete') }
    const h = open(file, { handlers })
    await h.collection.preload()

    await h.collection.insert({ id: 'a', title: 'A' }).isPersisted.promise
    await h.collection.insert([
      { id: 'b', title: 'B' },
      { id: 'c', title: 'C' },
    ]).isPersisted.promise
    expect(Object.keys(diskRows(file, 'items')).sort()).toEqual(['a', 'b', 'c'])
    await h.collection.update('a', (d) => {
      d.title = 'A2'
      d.extra = [1, 2]
    }).isPersisted.promise
    expect(diskRows(file, 'items').a).toStrictEqual({ id: 'a', title: 'A2', extra: [1, 2] })
    await h.collection.delete('b').isPersisted.promise
    expect(diskRows(file, 'items').b).toBeUndefined()
    expect(calls).toEqual(['insert', 'insert', 'update', 'delete'])
    await close(h)

    expect(await reopenRows(file)).toStrictEqual({
      a: { id: 'a', title: 'A2', extra: [1, 2] },
      c: { id: 'c', title: 'C' },
    })
  })

  it('handler + confirm: a write started while a handler is still running is also persisted', async () => {
    const file = freshFile()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const h = open(file, { handlers: { onInsert: () => gate } })
    await h.collection.preload()
    const first = h.collection.insert({ id: 'slow', n: 1 })
    const second = h.collection.insert({ id: 'queued', n: 2 })
    release()
    await Promise.all([first.isPersisted.promise, second.isPersisted.promise])
    // Deletes have no handler: direct write, but it must not lose the handler-confirmed rows.
    h.collection.delete('slow')
    await close(h)
    expect(await reopenRows(file)).toStrictEqual({ queued: { id: 'queued', n: 2 } })
  })

  it('utils.acceptMutations: one manual transaction spanning two collections persists both', async () => {
    const file = freshFile()
    const persistence = createNodeSQLitePersistence({ path: file })
    const left = open(file, { id: 'left', persistence })
    const right = open(file, { id: 'right', persistence })
    await Promise.all([left.collection.preload(), right.collection.preload()])
    left.collection.insert({ id: 'keep', v: 0 })
    right.collection.insert({ id: 'gone', v: 0 })

    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async ({ transaction }) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        left.collection.utils.acceptMutations(transaction)
        right.collection.utils.acceptMutations(transaction)
      },
    })
    tx.mutate(() => {
      left.collection.insert({ id: 'l1', v: 1 })
      left.collection.update('keep', (d) => {
        d.v = 2
      })
      right.collection.insert([
        { id: 'r1', v: 1 },
        { id: 'r2', v: 2 },
      ])
      right.collection.delete('gone')
    })
    // Nothing is durable before the transaction commits.
    expect(diskRows(file, 'left')).toStrictEqual({ keep: { id: 'keep', v: 0 } })
    await tx.commit()
    expect(diskRows(file, 'left')).toStrictEqual({ keep: { id: 'keep', v: 2 }, l1: { id: 'l1', v: 1 } })
    expect(diskRows(file, 'right')).toStrictEqual({ r1: { id: 'r1', v: 1 }, r2: { id: 'r2', v: 2 } })
    await left.collection.cleanup()
    await right.collection.cleanup()
    await persistence.close()

    expect(await reopenRows(file, 'left')).toStrictEqual({
      keep: { id: 'keep', v: 2 },
      l1: { id: 'l1', v: 1 },
    })
    expect(await reopenRows(file, 'right')).toStrictEqual({ r1: { id: 'r1', v: 1 }, r2: { id: 'r2', v: 2 } })
  })

  it('utils.acceptMutations: a rolled-back transaction leaves nothing on disk', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'base', v: 0 })
    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async () => {
        throw new Error('server said no')
      },
    })
    tx.mutate(() => {
      h.collection.insert({ id: 'never', v: 1 })
      h.collection.update('base', (d) => {
        d.v = 99
      })
    })
    await expect(tx.commit()).rejects.toThrow('server said no')
    expect(memoryRows(h.collection)).toStrictEqual({ base: { id: 'base', v: 0 } })
    await close(h)
    expect(await reopenRows(file)).toStrictEqual({ base: { id: 'base', v: 0 } })
  })

  it('initialData is applied on the first run only: modifications survive, deleted rows never come back', async () => {
    const file = freshFile()
    const initialData: Row[] = [
      { id: 'i1', title: 'one' },
      { id: 'i2', title: 'two' },
      { id: 'i3', title: 'three' },
    ]
    const first = open(file, { initialData })
    await first.collection.preload()
    expect(Object.keys(memoryRows(first.collection)).sort()).toEqual(['i1', 'i2', 'i3'])
    // On disk at once, not only at the first user write.
    expect(Object.keys(diskRows(file, 'items')).sort()).toEqual(['i1', 'i2', 'i3'])
    first.collection.update('i1', (d) => {
      d.title = 'ONE'
    })
    first.collection.delete('i2')
    first.collection.insert({ id: 'n1', title: 'new' })
    await close(first)

    const expected = {
      i1: { id: 'i1', title: 'ONE' },
      i3: { id: 'i3', title: 'three' },
      n1: { id: 'n1', title: 'new' },
    }
    for (let run = 0; run < 2; run++) {
      // Same initialData again (and a changed one): no duplicate-key error, nothing overwritten or resurrected.
      const again = open(file, {
        initialData: run === 0 ? initialData : [...initialData, { id: 'i4', title: 'four' }],
      })
      await again.collection.preload()
      expect(again.collection.status).toBe('ready')
      expect(memoryRows(again.collection)).toStrictEqual(expected)
      expect(diskRows(file, 'items')).toStrictEqual(expected)
      await close(again)
    }
  })

  it('initialData: deleting every initial row and restarting gives an empty collection', async () => {
    const file = freshFile()
    const initialData: Row[] = [{ id: 'only', title: 'x' }]
    const first = open(file, { initialData })
    await first.collection.preload()
    first.collection.delete('only')
    await close(first)
    const again = open(file, { initialData })
    await again.collection.preload()
    expect(again.collection.size).toBe(0)
    await close(again)
  })

  it('initialData holding an unsupported value: the first run fails with UnsupportedValueError, no rows on disk', async () => {
    const file = freshFile()
    const h = open(file, { initialData: [{ id: 'ok' }, { id: 'bad', fn: () => 1 }] })
    const error = await h.collection.preload().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(UnsupportedValueError)
    expect(h.collection.status).toBe('error')
    expect(diskRows(file, 'items')).toStrictEqual({})
    await close(h)
  })

  it('initialData whose first-run write failed is applied on the next run (created atomically with it)', async () => {
    const file = freshFile()
    const bad = open(file, { initialData: [{ id: 'bad', fn: () => 1 }] })
    await expect(bad.collection.preload()).rejects.toBeInstanceOf(UnsupportedValueError)
    await close(bad)
    // The failed first run left no collection behind: the next run creates it with its initialData.
    const good = open(file, { initialData: [{ id: 'a', title: 'first' }] })
    await good.collection.preload()
    expect(memoryRows(good.collection)).toStrictEqual({ a: { id: 'a', title: 'first' } })
    expect(diskRows(file, 'items')).toStrictEqual({ a: { id: 'a', title: 'first' } })
    await close(good)
  })

  it('failure mode 2: position reset after restart — local-only A then B survive', async () => {
    const file = freshFile()
    const letters = ['A', 'B', 'C', 'D']
    for (let i = 0; i < letters.length; i++) {
      const h = open(file)
      await h.collection.preload()
      expect(Object.keys(memoryRows(h.collection)).sort()).toEqual(letters.slice(0, i))
      h.collection.insert({ id: letters[i]!, run: i })
      await close(h)
    }
    const rows = await reopenRows(file)
    expect(rows).toStrictEqual({
      A: { id: 'A', run: 0 },
      B: { id: 'B', run: 1 },
      C: { id: 'C', run: 2 },
      D: { id: 'D', run: 3 },
    })
  })

  it('failure mode 2: same with handler writes and with a persistence object kept across collection restarts', async () => {
    const file = freshFile()
    const persistence = createNodeSQLitePersistence({ path: file })
    const handlers = { onInsert: async () => undefined }
    const a = open(file, { persistence, handlers })
    await a.collection.preload()
    await a.collection.insert({ id: 'A' }).isPersisted.promise
    await a.collection.cleanup()
    const b = open(file, { persistence, handlers })
    await b.collection.preload()
    expect(Object.keys(memoryRows(b.collection))).toEqual(['A'])
    await b.collection.insert({ id: 'B' }).isPersisted.promise
    await b.collection.cleanup()
    await persistence.close()
    expect(Object.keys(await reopenRows(file)).sort()).toEqual(['A', 'B'])
  })

  // Core's draft `delete d.b` yields a row with an own `b: undefined` (core spreads the tracked changes, where a
  // deleted field is `undefined`). PersistDB mirrors core exactly: after a restart `b` is undefined, never the
  // old value merged back, and the row is strictly equal to what core held before the restart.
  it('failure mode 10: field removal lost — a full update without b leaves no b after restart', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'x', a: 1, b: 2, c: { keep: true } })
    h.collection.update('x', (d) => {
      delete d.b
      d.a = 10
    })
    const before = withoutVirtualProps(h.collection.get('x')!)
    expect(before.b).toBeUndefined()
    expect(diskRows(file, 'items').x).toStrictEqual(before)
    expect(rawValue(file, 'items', 'x')).not.toContain('"b":2')
    await close(h)
    const rows = await reopenRows(file)
    expect(rows.x).toStrictEqual(before)
    expect(rows.x!.b).toBeUndefined()
    expect(rows.x).toMatchObject({ id: 'x', a: 10, c: { keep: true } })
  })

  it('failure mode 10: a replacement row without b (delete + insert in one transaction) has no b key at all', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'x', a: 1, b: 2 })
    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async ({ transaction }) => h.collection.utils.acceptMutations(transaction),
    })
    tx.mutate(() => {
      h.collection.delete('x')
      h.collection.insert({ id: 'x', a: 3 })
    })
    await tx.commit()
    await close(h)
    const rows = await reopenRows(file)
    expect(rows.x).toStrictEqual({ id: 'x', a: 3 })
    expect('b' in rows.x!).toBe(false)
  })

  it('failure mode 10: field removal through a handler and through acceptMutations, nested removal too', async () => {
    const file = freshFile()
    const h = open(file, { handlers: { onUpdate: async () => undefined } })
    await h.collection.preload()
    h.collection.insert([
      { id: 'h', a: 1, b: 2 },
      { id: 't', a: 1, b: 2, nested: { x: 1, y: 2 } },
    ])
    await h.collection.update('h', (d) => {
      delete d.b
    }).isPersisted.promise
    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async ({ transaction }) => h.collection.utils.acceptMutations(transaction),
    })
    tx.mutate(() =>
      h.collection.update('t', (d) => {
        delete d.b
        delete (d.nested as Record<string, unknown>).y
      }),
    )
    await tx.commit()
    const before = memoryRows(h.collection)
    await close(h)
    const rows = await reopenRows(file)
    expect(rows).toStrictEqual(before)
    expect(rows.h!.b).toBeUndefined()
    expect(rows.t!.b).toBeUndefined()
    expect(rows.t!.nested).toStrictEqual({ x: 1 })
  })

  it('delete then re-insert of a key in one transaction stores only the new row', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    h.collection.insert({ id: 'k', old: true, stale: 'x' })
    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async ({ transaction }) => h.collection.utils.acceptMutations(transaction),
    })
    tx.mutate(() => {
      h.collection.delete('k')
      h.collection.insert({ id: 'k', fresh: true })
    })
    await tx.commit()
    await close(h)
    expect(await reopenRows(file)).toStrictEqual({ k: { id: 'k', fresh: true } })
  })
})

describe('local-only schemaVersion', () => {
  function openVersioned(
    file: string,
    schemaVersion: number,
    migrate?: (row: unknown, fromVersion: number) => Row | null,
    persistence?: SQLitePersistence,
  ) {
    const p = persistence ?? createNodeSQLitePersistence({ path: file })
    const collection = createCollection(
      persistedCollectionOptions<Row, string>({
        id: 'versioned',
        getKey: (row) => row.id,
        persistence: p,
        schemaVersion,
        ...(migrate ? { migrate } : {}),
      }),
    )
    return { collection, persistence: p }
  }

  async function seedV1(file: string) {
    const h = openVersioned(file, 1)
    await h.collection.preload()
    h.collection.insert([
      { id: 'a', name: 'alpha' },
      { id: 'b', name: 'beta' },
      { id: 'drop', name: 'gone' },
    ])
    await close(h)
  }

  const v1 = {
    a: { id: 'a', name: 'alpha' },
    b: { id: 'b', name: 'beta' },
    drop: { id: 'drop', name: 'gone' },
  }

  it('another version without migrate: status error, preload rejects SchemaVersionMismatchError, data intact', async () => {
    const file = freshFile()
    await seedV1(file)
    for (const version of [2, 0]) {
      const h = openVersioned(file, version)
      const error = await h.collection.preload().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(SchemaVersionMismatchError)
      expect(error).toMatchObject({
        code: 'PERSISTDB_SCHEMA_VERSION_MISMATCH',
        storedVersion: 1,
        requestedVersion: version,
        collectionId: 'versioned',
      })
      expect(h.collection.status).toBe('error')
      expect(h.collection.size).toBe(0)
      expect(diskRows(file, 'versioned')).toStrictEqual(v1)
      await close(h)
    }
    const back = openVersioned(file, 1)
    await back.collection.preload()
    expect(memoryRows(back.collection)).toStrictEqual(v1)
    await close(back)
  })

  it('a mismatching collection does not disturb other collections on the same persistence', async () => {
    const file = freshFile()
    await seedV1(file)
    const persistence = createNodeSQLitePersistence({ path: file })
    const bad = openVersioned(file, 2, undefined, persistence)
    await expect(bad.collection.preload()).rejects.toBeInstanceOf(SchemaVersionMismatchError)
    const other = open(file, { id: 'other', persistence })
    await other.collection.preload()
    other.collection.insert({ id: 'o' })
    await bad.collection.cleanup()
    await other.collection.cleanup()
    await persistence.close()
    expect(await reopenRows(file, 'other')).toStrictEqual({ o: { id: 'o' } })
    expect(diskRows(file, 'versioned')).toStrictEqual(v1)
  })

  it('migrate(row, from) transforms rows in place, null drops a row, and runs only once', async () => {
    const file = freshFile()
    await seedV1(file)
    const seen: Array<[unknown, number]> = []
    const migrate = (row: unknown, from: number): Row | null => {
      seen.push([row, from])
      const r = row as { id: string; name: string }
      return r.id === 'drop' ? null : { id: r.id, title: r.name.toUpperCase(), migratedFrom: from }
    }
    const h = openVersioned(file, 2, migrate)
    await h.collection.preload()
    const expected = {
      a: { id: 'a', title: 'ALPHA', migratedFrom: 1 },
      b: { id: 'b', title: 'BETA', migratedFrom: 1 },
    }
    expect(h.collection.status).toBe('ready')
    expect(memoryRows(h.collection)).toStrictEqual(expected)
    expect(diskRows(file, 'versioned')).toStrictEqual(expected)
    expect(seen.map(([row]) => (row as Row).id).sort()).toEqual(['a', 'b', 'drop'])
    expect(seen.every(([, from]) => from === 1)).toBe(true)
    // Rows handed to migrate are decoded values, not stored text.
    expect(seen.find(([row]) => (row as Row).id === 'a')![0]).toStrictEqual(v1.a)
    h.collection.insert({ id: 'c', title: 'NEW', migratedFrom: 2 })
    await close(h)

    const again = openVersioned(file, 2, () => {
      throw new Error('must not run again')
    })
    await again.collection.preload()
    expect(memoryRows(again.collection)).toStrictEqual({
      ...expected,
      c: { id: 'c', title: 'NEW', migratedFrom: 2 },
    })
    await close(again)
    // The old version is now refused: the stored version moved forward.
    const old = openVersioned(file, 1)
    await expect(old.collection.preload()).rejects.toBeInstanceOf(SchemaVersionMismatchError)
    await close(old)
  })

  it('a migrate that throws: MigrationFailedError, status error, stored rows and version unchanged', async () => {
    const file = freshFile()
    await seedV1(file)
    const boom = new Error('cannot convert beta')
    let calls = 0
    const h = openVersioned(file, 2, (row) => {
      calls++
      const r = row as Row
      if (r.id === 'b') throw boom
      return { ...r, converted: true }
    })
    const error = await h.collection.preload().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MigrationFailedError)
    expect(error).toMatchObject({ code: 'PERSISTDB_MIGRATION_FAILED' })
    expect((error as Error).cause).toBe(boom)
    expect(calls).toBeGreaterThan(0)
    expect(h.collection.status).toBe('error')
    // Rows already transformed before the failure were rolled back too.
    expect(diskRows(file, 'versioned')).toStrictEqual(v1)
    await close(h)

    const back = openVersioned(file, 1)
    await back.collection.preload()
    expect(memoryRows(back.collection)).toStrictEqual(v1)
    await close(back)
  })

  it('a migrate that changes a row key fails as MigrationFailedError (rows would sit under stale keys)', async () => {
    const file = freshFile()
    await seedV1(file)
    const h = openVersioned(file, 2, (row) => {
      const r = row as Row
      return { ...r, id: r.id === 'a' ? 'b' : r.id }
    })
    const error = await h.collection.preload().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MigrationFailedError)
    expect(String((error as Error).message)).toContain('key')
    await close(h)
    expect(diskRows(file, 'versioned')).toStrictEqual(v1)
    // Keeping the keys migrates fine; every row is reachable under its own key.
    const ok = openVersioned(file, 2, (row) => ({ ...(row as Row), v: 2 }))
    await ok.collection.preload()
    for (const key of ['a', 'b', 'drop']) expect(ok.collection.get(key)?.id).toBe(key)
    await close(ok)
  })

  it('a migrate that returns an unsupported value fails as MigrationFailedError with nothing changed', async () => {
    const file = freshFile()
    await seedV1(file)
    const h = openVersioned(file, 3, (row) => ({ ...(row as Row), fn: () => 1 }))
    const error = await h.collection.preload().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MigrationFailedError)
    expect((error as Error).cause).toBeInstanceOf(UnsupportedValueError)
    await close(h)
    expect(diskRows(file, 'versioned')).toStrictEqual(v1)
  })
})
