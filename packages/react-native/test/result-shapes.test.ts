/**
 * Every result shape op-sqlite has had is read to the same rows, and a shape
 * it never had is a typed error, never "no rows": unit-level with generated
 * rows (fast-check), and end to end through a persisted collection on the
 * shim answering in each shape.
 */
import { fc, test } from '@fast-check/vitest'
import { createCollection } from '@tanstack/db'
import { afterAll, describe, expect, it } from 'vitest'
import { DriverResultError, persistedCollectionOptions } from '@persistdb/core'
import { createPersistence } from '../src/create'
import { readRows } from '../src/result-rows'
import { tempDir } from './helpers'
import { openOpSQLite15Shim, type ResultShape } from './shims/op-sqlite-15-native'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const scalar = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string(),
  fc.uint8Array({ maxLength: 8 }).map((b) => b.slice().buffer),
)
const table = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 })
  .chain((columns) =>
    fc.record({
      columns: fc.constant(columns),
      values: fc.array(fc.array(scalar, { minLength: columns.length, maxLength: columns.length }), {
        maxLength: 6,
      }),
    }),
  )

/** One query result, as each op-sqlite release shaped it. */
function shapes(columns: string[], values: unknown[][]): Record<string, unknown> {
  const objects = values.map((v) => Object.fromEntries(columns.map((c, j) => [c, v[j]])))
  return {
    objects: { rowsAffected: 0, rows: objects, columnNames: columns },
    objectsNoNames: { rowsAffected: 0, rows: objects },
    rawRows: { rowsAffected: 0, rawRows: values, columnNames: columns },
    _array: {
      rowsAffected: 0,
      rows: { _array: objects, length: objects.length, item: (i: number) => objects[i] },
    },
    columnarMetadata: {
      rowsAffected: 0,
      rows: values,
      metadata: columns.map((name, index) => ({ name, type: 'UNKNOWN', index })),
    },
    columnarNames: { rowsAffected: 0, rows: values, columnNames: columns },
  }
}

describe('readRows', () => {
  test.prop([table])('reads every shape to the same rows', ({ columns, values }) => {
    const expected = values.map((v) => Object.fromEntries(columns.map((c, j) => [c, v[j]])))
    for (const [name, result] of Object.entries(shapes(columns, values))) {
      expect({ name, rows: readRows(result, 'SELECT') }).toEqual({ name, rows: expected })
    }
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 3],
    ['an object with no rows', { rowsAffected: 0, insertId: 1 }],
    ['rows under another name', { rowsAffected: 0, results: [{ a: 1 }] }],
    ['a rows object without _array', { rows: { length: 1, item: () => ({ a: 1 }) } }],
    ['arrays of values without names', { rows: [[1, 2]] }],
    ['rawRows without names', { rawRows: [[1]] }],
    ['a row shorter than its columns', { rawRows: [[1]], columnNames: ['a', 'b'] }],
  ])('refuses %s with DriverResultError naming the statement', (_name, result) => {
    const read = () => readRows(result, 'SELECT a FROM t')
    expect(read).toThrow(DriverResultError)
    expect(read).toThrow(/SELECT a FROM t/)
  })

  it('reads an empty result in the shapes that can say so', () => {
    expect(readRows({ rowsAffected: 0, rows: [] }, 'SELECT')).toEqual([])
    expect(readRows({ rows: { _array: [], length: 0 } }, 'SELECT')).toEqual([])
    expect(readRows({ rawRows: [], columnNames: [] }, 'SELECT')).toEqual([])
  })
})

interface Note {
  id: string
  text: string
  bytes: Uint8Array
}

const SHAPES: ResultShape[] = ['objects', 'rawRows', '_array', 'columnar']

describe('a persisted collection on each result shape (op-sqlite 15 shim)', () => {
  const openNotes = (name: string, shape: ResultShape) => {
    const persistence = createPersistence((o) => openOpSQLite15Shim(o, shape), { name, location: tmp.dir })
    const notes = createCollection(
      persistedCollectionOptions<Note, string>({ id: 'notes', getKey: (n) => n.id, persistence }),
    )
    return { persistence, notes }
  }

  it.each(SHAPES)('%s: rows written are read back after a restart', async (shape) => {
    const name = `shape-${shape}.sqlite`
    const first = openNotes(name, shape)
    await first.notes.preload()
    const tx = first.notes.insert([
      { id: 'a', text: 'offline', bytes: new Uint8Array([1, 2, 3]) },
      { id: 'b', text: 'still here', bytes: new Uint8Array(new ArrayBuffer(8), 2, 3).fill(7) },
    ])
    await tx.isPersisted.promise
    await first.persistence.close()

    const second = openNotes(name, shape)
    await second.notes.preload()
    expect(second.notes.get('a')).toMatchObject({ text: 'offline', bytes: new Uint8Array([1, 2, 3]) })
    expect(second.notes.get('b')).toMatchObject({ text: 'still here', bytes: new Uint8Array([7, 7, 7]) })
    expect(second.notes.size).toBe(2)
    await second.persistence.close()
  })

  it('an unknown shape fails the load with DriverResultError, not an empty collection', async () => {
    const { persistence } = openNotes('shape-unknown.sqlite', 'unknown')
    await expect(Promise.resolve().then(() => persistence.ready())).rejects.toBeInstanceOf(DriverResultError)
    await persistence.close()
  })
})
