/**
 * Values (failure mode 27) and hostile names (failure mode 29), through real collections and a restart.
 */
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { createCollection, createTransaction } from '@tanstack/db'
import { UnsupportedValueError, type SQLitePersistence } from '@persistdb/core'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import {
  closeHandle,
  exactDifference,
  memoryRowMap,
  rowsTableOf,
  storedRows,
  tempDir,
  withoutVirtualProps,
} from './helpers'

type Key = string | number

interface Row {
  id: Key
  [field: string]: unknown
}

function expectSame(actual: unknown, expected: unknown): void {
  expect(difference(expected, actual)).toBeUndefined()
}

const plain = withoutVirtualProps
const difference = exactDifference
const memoryRows = memoryRowMap
const diskRows = storedRows
const close = closeHandle

function open(
  file: string,
  id = 'values',
  persistence?: SQLitePersistence,
  handlers?: { onInsert?: () => Promise<void> },
) {
  const p = persistence ?? createNodeSQLitePersistence({ path: file })
  const collection = createCollection(
    persistedCollectionOptions<Row, Key>({ id, getKey: (row) => row.id, persistence: p, ...handlers }),
  )
  return { collection, persistence: p }
}

const tmp = tempDir('persistdb-values-')
let n = 0
const freshFile = () => tmp.file(`values-${++n}.sqlite`)
afterAll(() => tmp.cleanup())

describe('failure mode 27: values round-trip exactly through a collection and a restart', () => {
  it('the comparison used by these tests is exact (it tells -0, NaN dates, undefined keys and types apart)', () => {
    expect(difference(-0, 0)).toBeDefined()
    expect(difference({ a: undefined }, {})).toBeDefined()
    expect(difference([undefined], [null])).toBeDefined()
    expect(difference(new Date(1), new Date(2))).toBeDefined()
    expect(difference(1n, 1)).toBeDefined()
    expect(difference(new Set([1]), [1])).toBeDefined()
    expect(difference(new Map([[1, 2]]), new Map([[1, 3]]))).toBeDefined()
    expect(difference(new Uint8Array([1]), new Uint8Array([2]))).toBeDefined()
    expect(difference(new Date(NaN), new Date(NaN))).toBeUndefined()
    expect(
      difference({ x: [NaN, new Map([[1n, undefined]])] }, { x: [NaN, new Map([[1n, undefined]])] }),
    ).toBeUndefined()
  })

  function sample(): Row {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9])
    return {
      id: 'v',
      date: new Date(1_700_000_000_123),
      epoch: new Date(0),
      beforeEpoch: new Date(-86_400_001),
      invalidDate: new Date(NaN),
      big: 2n ** 64n + 1n,
      justPastSafe: BigInt(Number.MAX_SAFE_INTEGER) + 2n,
      negativeBig: -(2n ** 70n) - 3n,
      zeroBig: 0n,
      nan: NaN,
      inf: Infinity,
      ninf: -Infinity,
      negZero: -0,
      zero: 0,
      maxNumber: Number.MAX_VALUE,
      tiny: Number.MIN_VALUE,
      nested: [1, undefined, null, [undefined, [null, undefined, []]], { x: undefined, y: null }],
      onlyUndefined: [undefined],
      bytes: new Uint8Array([0, 1, 127, 128, 255]),
      emptyBytes: new Uint8Array(0),
      slice: backing.subarray(2, 5),
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, new Date(3)],
        [4n, [undefined, NaN]],
        [null, new Map([['inner', new Set([1])]])],
      ]),
      emptyMap: new Map(),
      set: new Set<unknown>([1, 'a', NaN, 2n, null, undefined]),
      emptySet: new Set(),
      objWithUndefined: { a: undefined },
      undef: undefined,
      text: 'ünïcødé \u0000 nul, "quotes", \\ backslash, 🧪',
      emptyString: '',
      bool: false,
      nul: null,
    }
  }

  it('direct write: every value kind comes back exactly after a restart, memory and disk', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    const row = sample()
    h.collection.insert(row)
    expectSame(diskRows(file, 'values').get('v'), sample())
    await close(h)

    const again = open(file)
    await again.collection.preload()
    const restored = plain(again.collection.get('v')!)
    expectSame(restored, sample())
    // Spot checks of the types themselves, beyond structural equality.
    expect(restored.date).toBeInstanceOf(Date)
    expect((restored.date as Date).getTime()).toBe(1_700_000_000_123)
    expect(Number.isNaN((restored.invalidDate as Date).getTime())).toBe(true)
    expect(typeof restored.big).toBe('bigint')
    expect(restored.big).toBe(18446744073709551617n)
    expect(Object.is(restored.negZero, -0)).toBe(true)
    expect(Object.is(restored.zero, 0)).toBe(true)
    expect(Number.isNaN(restored.nan)).toBe(true)
    expect(Object.getPrototypeOf(restored.bytes)).toBe(Uint8Array.prototype)
    expect([...(restored.slice as Uint8Array)]).toEqual([1, 2, 3])
    expect(restored.map).toBeInstanceOf(Map)
    expect(restored.set).toBeInstanceOf(Set)
    expect('a' in (restored.objWithUndefined as object)).toBe(true)
    expect('undef' in restored).toBe(true)
    expect((restored.nested as unknown[]).length).toBe(5)
    await close(again)
  })

  it('values written by update (draft assignment) and by a handler transaction round-trip too', async () => {
    const file = freshFile()
    const h = open(file, 'values', undefined, { onInsert: async () => undefined })
    await h.collection.preload()
    await h.collection.insert({ id: 'u', n: 1 }).isPersisted.promise
    await h.collection.insert({ ...sample(), id: 'viaHandler' }).isPersisted.promise
    h.collection.update('u', (d) => {
      d.date = new Date(42)
      d.big = -(2n ** 80n)
      d.inf = -Infinity
      d.bytes = new Uint8Array([5, 6])
      d.map = new Map([[1, undefined]])
      d.set = new Set(['x'])
      d.list = [undefined, null]
    })
    const expectedU = {
      id: 'u',
      n: 1,
      date: new Date(42),
      big: -(2n ** 80n),
      inf: -Infinity,
      bytes: new Uint8Array([5, 6]),
      map: new Map([[1, undefined]]),
      set: new Set(['x']),
      list: [undefined, null],
    }
    await close(h)
    const again = open(file)
    await again.collection.preload()
    expectSame(plain(again.collection.get('u')!), expectedU)
    expectSame(plain(again.collection.get('viaHandler')!), { ...sample(), id: 'viaHandler' })
    await close(again)
  })

  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }

  const cyclic = () => {
    const o: Record<string, unknown> = { name: 'loop' }
    o.self = o
    return o
  }

  const rejected: Array<[string, () => unknown]> = [
    ['a function', () => () => 1],
    ['a symbol', () => Symbol('s')],
    ['a class instance', () => new Point(1, 2)],
    ['a cycle', cyclic],
    ['a function nested in an array in a Map', () => new Map([['k', [1, () => 2]]])],
    ['a Buffer (Uint8Array subclass)', () => Buffer.from('ab')],
    ['a RegExp', () => /x/],
  ]

  for (const [what, make] of rejected) {
    it(`rejects ${what} at insert() with UnsupportedValueError; nothing in memory or on disk`, async () => {
      const file = freshFile()
      const h = open(file)
      await h.collection.preload()
      h.collection.insert({ id: 'existing', v: 1 })

      let error: unknown
      try {
        h.collection.insert({ id: 'bad', value: make() })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(UnsupportedValueError)
      expect(error).toMatchObject({ code: 'PERSISTDB_UNSUPPORTED_VALUE' })
      expect((error as UnsupportedValueError).path.startsWith('$.value')).toBe(true)
      expect(h.collection.has('bad')).toBe(false)
      expect(h.collection.size).toBe(1)
      expect([...diskRows(file, 'values').keys()]).toEqual(['existing'])

      // A multi-row insert of [good, bad] leaves neither.
      expect(() =>
        h.collection.insert([
          { id: 'good', v: 2 },
          { id: 'bad2', value: make() },
        ]),
      ).toThrow(UnsupportedValueError)
      expect(h.collection.has('good')).toBe(false)
      expect(h.collection.has('bad2')).toBe(false)
      expect([...diskRows(file, 'values').keys()]).toEqual(['existing'])

      // An update to an unsupported value leaves the row as it was.
      expect(() =>
        h.collection.update('existing', (d) => {
          d.v = 99
          d.value = make()
        }),
      ).toThrow(UnsupportedValueError)
      expectSame(plain(h.collection.get('existing')!), { id: 'existing', v: 1 })
      expectSame(diskRows(file, 'values').get('existing'), { id: 'existing', v: 1 })

      // The collection keeps working afterwards.
      h.collection.insert({ id: 'later', v: 3 })
      expect(h.collection.status).toBe('ready')
      await close(h)
      const again = open(file)
      await again.collection.preload()
      expect([...memoryRows(again.collection).keys()].sort()).toEqual(['existing', 'later'])
      await close(again)
    })
  }

  it('rejects an unsupported value written through a handler: isPersisted rejects, row rolled back', async () => {
    const file = freshFile()
    const h = open(file, 'values', undefined, { onInsert: async () => undefined })
    await h.collection.preload()
    const tx = h.collection.insert([
      { id: 'good', v: 1 },
      { id: 'bad', fn: () => 1 },
    ])
    await expect(tx.isPersisted.promise).rejects.toBeInstanceOf(UnsupportedValueError)
    expect(h.collection.has('good')).toBe(false)
    expect(h.collection.has('bad')).toBe(false)
    expect(diskRows(file, 'values').size).toBe(0)
    await close(h)
  })

  it('rejects an unsupported value in a multi-collection acceptMutations transaction as a whole for that collection', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    const tx = createTransaction({
      autoCommit: false,
      mutationFn: async ({ transaction }) => h.collection.utils.acceptMutations(transaction),
    })
    tx.mutate(() => {
      h.collection.insert({ id: 'ok', v: 1 })
      h.collection.insert({ id: 'cycle', v: cyclic() })
    })
    await expect(tx.commit()).rejects.toBeInstanceOf(UnsupportedValueError)
    expect(h.collection.size).toBe(0)
    expect(diskRows(file, 'values').size).toBe(0)
    await close(h)
  })
})

describe('failure mode 29: hostile collection ids, field names and keys', () => {
  const hostileIds = [
    `x"; DROP TABLE persistdb_collections; --`,
    `'`,
    `"`,
    `'); DELETE FROM persistdb_meta; --`,
    `persistdb_meta`,
    `persistdb_collections`,
    `persistdb_c1_rows`,
    `sqlite_master`,
    `ünïcødé-集合-🧪`,
    `a\u0000b`,
    ' ',
    'x'.repeat(10_000),
    'items', // an ordinary one, which must be untouched by the others
  ]

  it('every hostile collection id is stored and restored exactly, in its own collection', async () => {
    const file = freshFile()
    const persistence = createNodeSQLitePersistence({ path: file })
    const handles = hostileIds.map((id) => open(file, id, persistence))
    await Promise.all(handles.map((h) => h.collection.preload()))
    hostileIds.forEach((id, i) => handles[i]!.collection.insert({ id: `row-${i}`, owner: id }))
    for (const h of handles) await h.collection.cleanup()
    await persistence.close()

    const db = new Database(file)
    const tables = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>
    )
      .map((t) => t.name)
      .sort()
    const names = (
      db.prepare('SELECT name FROM persistdb_collections ORDER BY id').all() as Array<{ name: string }>
    ).map((r) => r.name)
    const meta = db.prepare('SELECT key, value FROM persistdb_meta ORDER BY key').all()
    db.close()
    expect(names).toEqual(hostileIds)
    for (const t of [
      'persistdb_meta',
      'persistdb_collections',
      'persistdb_collection_meta',
      'persistdb_changes',
    ]) {
      expect(tables).toContain(t)
    }
    // Only numbered row tables were created; no table is named after a user id.
    for (const t of tables)
      expect(t).toMatch(/^(persistdb_(meta|collections|collection_meta|changes|c\d+_rows)|sqlite_sequence)$/)
    // Besides the format marker, only per-collection markers keyed by number (never by user id).
    const perCollection = (meta as Array<{ key: string }>).filter((m) => m.key.startsWith('plain_types:'))
    for (const m of perCollection) expect(m.key).toMatch(/^plain_types:\d+$/)
    expect(meta.filter((m) => !perCollection.includes(m as { key: string }))).toEqual([
      { key: 'app', value: 'persistdb' },
      { key: 'format', value: '1' },
    ])

    const again = createNodeSQLitePersistence({ path: file })
    const reopened = hostileIds.map((id) => open(file, id, again))
    await Promise.all(reopened.map((h) => h.collection.preload()))
    hostileIds.forEach((id, i) => {
      const rows = memoryRows(reopened[i]!.collection)
      expect(rows.size).toBe(1)
      expectSame(rows.get(`row-${i}`), { id: `row-${i}`, owner: id })
    })
    for (const h of reopened) await h.collection.cleanup()
    await again.close()
  })

  it('dropCollection with a hostile id drops only that collection', async () => {
    const file = freshFile()
    const persistence = createNodeSQLitePersistence({ path: file })
    const evil = open(file, hostileIds[0]!, persistence)
    const items = open(file, 'items', persistence)
    await evil.collection.preload()
    await items.collection.preload()
    evil.collection.insert({ id: 1 })
    items.collection.insert({ id: 2 })
    await evil.collection.cleanup()
    await items.collection.cleanup()
    expect(await persistence.dropCollection(hostileIds[0]!)).toBe(true)
    await persistence.close()
    expect(diskRows(file, hostileIds[0]!).size).toBe(0)
    expect([...diskRows(file, 'items').keys()]).toEqual([2])
  })

  it('hostile field names (quotes, dots, $, __proto__, $pdb, SQL) are stored and restored exactly', async () => {
    const file = freshFile()
    const h = open(file)
    await h.collection.preload()
    const make = (): Row => {
      const row: Row = { id: 'f' }
      const fields: Record<string, unknown> = {
        'with"double': 1,
        "with'single": 2,
        'a.b.c': 3,
        '$.path': 4,
        $dollar: 5,
        $pdb: 'not a tag',
        '': 'empty name',
        '"); DROP TABLE persistdb_meta; --': 6,
        '[0]': 7,
        ünï: 8,
        nested: { $pdb: 'd', v: 123, 'x.y': { __proto__x: 1 } },
        tagLookalike: { $pdb: 'u' },
        arr: [{ $pdb: 'n', v: '1' }],
      }
      for (const [k, v] of Object.entries(fields)) row[k] = v
      // An own "__proto__" data property (as JSON.parse would produce), not a prototype change.
      Object.defineProperty(row, '__proto__', {
        value: { polluted: true },
        enumerable: true,
        writable: true,
        configurable: true,
      })
      return row
    }
    h.collection.insert(make())
    await close(h)
    const again = open(file)
    await again.collection.preload()
    const restored = plain(again.collection.get('f')!)
    expectSame(restored, make())
    expect(Object.getPrototypeOf(restored)).toBe(Object.prototype)
    expect(Object.hasOwn(restored, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(restored.tagLookalike).toStrictEqual({ $pdb: 'u' })
    expect(restored.nested).toStrictEqual({ $pdb: 'd', v: 123, 'x.y': { __proto__x: 1 } })
    expect(restored.arr).toStrictEqual([{ $pdb: 'n', v: '1' }])
    await close(again)
  })

  it('keys 1 and "1", "9"/"10" and 9/10 are distinct and restored exactly', async () => {
    const file = freshFile()
    const h = open(file, 'keys')
    await h.collection.preload()
    const keys: Key[] = [
      1,
      '1',
      9,
      10,
      '9',
      '10',
      0,
      '0',
      -1,
      1.5,
      '1.5',
      '01',
      ' 1',
      '',
      `'; DROP TABLE x; --`,
    ]
    h.collection.insert(keys.map((id) => ({ id, kind: typeof id, text: String(id) })))
    expect(h.collection.size).toBe(keys.length)
    h.collection.update(1, (d) => {
      d.touched = true
    })
    h.collection.delete('10')
    await close(h)

    const again = open(file, 'keys')
    await again.collection.preload()
    const rows = memoryRows(again.collection)
    const expectedKeys = keys.filter((k) => k !== '10')
    expect(rows.size).toBe(expectedKeys.length)
    for (const key of expectedKeys) {
      const row = again.collection.get(key)
      expect(row, `key ${typeof key} ${String(key)}`).toBeDefined()
      expectSame(plain(row!), {
        id: key,
        kind: typeof key,
        text: String(key),
        ...(key === 1 ? { touched: true } : {}),
      })
    }
    expect(again.collection.get('10')).toBeUndefined()
    expect(again.collection.get(10)).toBeDefined()
    expect(again.collection.get('1')!.touched).toBeUndefined()
    const disk = diskRows(file, 'keys')
    expect(new Set(disk.keys())).toEqual(new Set(expectedKeys))
    await close(again)
  })

  it('failure mode 25: numeric keys are stored as numbers on disk (9 sorts before 10), string keys as text', async () => {
    const file = freshFile()
    const h = open(file, 'order')
    await h.collection.preload()
    h.collection.insert([{ id: 10 }, { id: 9 }, { id: '10' }, { id: '9' }, { id: 100 }])
    await close(h)
    const db = new Database(file)
    const table = rowsTableOf(db, 'order')!
    const stored = db
      .prepare(`SELECT key, typeof(key) IN ('integer', 'real') AS numeric FROM ${table} ORDER BY key`)
      .all()
    db.close()
    // better-sqlite3 binds JS numbers as REAL; either way they compare numerically, before all text keys.
    expect(stored).toEqual([
      { key: 9, numeric: 1 },
      { key: 10, numeric: 1 },
      { key: 100, numeric: 1 },
      { key: '10', numeric: 0 },
      { key: '9', numeric: 0 },
    ])
  })
})
