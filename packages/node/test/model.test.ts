/**
 * Model test: random sequences of inserts, updates (set and remove fields), deletes, multi-operation
 * transactions and restarts against a plain Map. After every step the collection equals the model and the raw
 * file (decoded with decodeValue) equals the model; after every restart and at the end both are re-checked on
 * a fresh persistence and collection.
 *
 * PERSISTDB_MODEL_RUNS=500 runs longer; PERSISTDB_MODEL_SEED=<n> replays a seed.
 */
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { createCollection, createTransaction } from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { closeHandle, exactDifference, memoryRowMap, storedRowsIn, tempDir } from './helpers'

type Key = string | number
type Fields = Record<string, unknown>
interface Row {
  id: Key
  [field: string]: unknown
}

type WriteOp =
  | { t: 'insert'; key: Key; fields: Fields }
  | { t: 'update'; key: Key; set: Fields; remove: string[] }
  | { t: 'delete'; key: Key }
type Op = WriteOp | { t: 'tx'; ops: WriteOp[] } | { t: 'restart' }

const NUM_RUNS = Number(process.env.PERSISTDB_MODEL_RUNS ?? 60)
const SEED =
  process.env.PERSISTDB_MODEL_SEED === undefined ? undefined : Number(process.env.PERSISTDB_MODEL_SEED)
const COLLECTION = 'model'

// ---------------------------------------------------------------------------------------------- arbitraries

// 1 and "1", 9 and 10 and "9": keys that differ only in type or sort differently as text.
const keyArb = fc.constantFrom<Key>(1, '1', 9, 10, '9', 'x', 0, 'ünï')
const fieldArb = fc.constantFrom('a', 'b', 'c', '$pdb', 'x.y', "q'uote")

// -0 is left out on purpose: core's draft tracker treats 0 -> -0 as "no change" (a core semantic, covered by
// the values test through inserts), which would make a model that applies every assignment diverge from core.
const noNegZero = (x: number) => (Object.is(x, -0) ? 0 : x)
const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double().map(noNegZero),
  fc.constantFrom(NaN, Infinity, -Infinity),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.date({ noInvalidDate: false }),
  fc.uint8Array({ maxLength: 4 }),
)
const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 2, depthIdentifier: 'value' },
    leafArb,
    fc.array(tie('value'), { maxLength: 3, depthIdentifier: 'value' }),
    fc.dictionary(fieldArb, tie('value'), { maxKeys: 3, noNullPrototype: true, depthIdentifier: 'value' }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 5 })), tie('value')), {
        maxLength: 3,
        depthIdentifier: 'value',
      })
      .map((entries) => new Map(entries)),
    fc.array(leafArb, { maxLength: 3 }).map((items) => new Set(items)),
  ),
}))
const fieldsArb = fc.dictionary(fieldArb, valueArb, { maxKeys: 4, noNullPrototype: true })

const writeOpArb: fc.Arbitrary<WriteOp> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('insert' as const), key: keyArb, fields: fieldsArb }), weight: 4 },
  {
    arbitrary: fc.record({
      t: fc.constant('update' as const),
      key: keyArb,
      set: fieldsArb,
      remove: fc.uniqueArray(fieldArb, { maxLength: 2 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant('delete' as const), key: keyArb }), weight: 2 },
)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: writeOpArb, weight: 8 },
  {
    arbitrary: fc.record({
      t: fc.constant('tx' as const),
      ops: fc.array(writeOpArb, { minLength: 1, maxLength: 5 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ t: 'restart' as const }), weight: 1 },
)

// ---------------------------------------------------------------------------------------------- comparison

const keyLabel = (key: Key) => `${typeof key}:${String(key)}`

function compareRows(what: string, model: Map<Key, Row>, actual: Map<Key, unknown>): void {
  const expectedKeys = [...model.keys()].map(keyLabel).sort()
  const actualKeys = [...actual.keys()].map(keyLabel).sort()
  if (JSON.stringify(expectedKeys) !== JSON.stringify(actualKeys)) {
    throw new Error(`${what}: keys ${JSON.stringify(actualKeys)}, model has ${JSON.stringify(expectedKeys)}`)
  }
  for (const [key, row] of model) {
    const d = exactDifference(row, actual.get(key))
    if (d) throw new Error(`${what}: row ${keyLabel(key)} differs at ${d}`)
  }
}

// ---------------------------------------------------------------------------------------------- the system

interface Handlers {
  onInsert?: () => Promise<void>
  onUpdate?: () => Promise<void>
  onDelete?: () => Promise<void>
}

function openCollection(file: string, handlers: Handlers) {
  const persistence = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
  const collection = createCollection(
    persistedCollectionOptions<Row, Key>({
      id: COLLECTION,
      getKey: (row) => row.id,
      persistence,
      ...handlers,
    }),
  )
  return { collection, persistence }
}
type Handle = ReturnType<typeof openCollection>

function memoryRows(handle: Handle): Map<Key, unknown> {
  return memoryRowMap(handle.collection)
}

function diskRows(db: Database.Database): Map<Key, unknown> {
  return storedRowsIn(db, COLLECTION)
}

/** Applies one write to the collection (inside or outside a transaction) and to the model. */
function applyWrite(
  handle: Handle,
  model: Map<Key, Row>,
  op: WriteOp,
): { isPersisted: { promise: Promise<unknown> } } | undefined {
  const { collection } = handle
  const current = model.get(op.key)
  switch (op.t) {
    case 'insert': {
      if (current) return undefined
      const row = { ...op.fields, id: op.key } as Row
      model.set(op.key, row)
      return collection.insert({ ...row })
    }
    case 'update': {
      if (!current) return undefined
      const next: Row = { ...current }
      // Core's draft `delete` of an existing field leaves it as an own `undefined` (core spreads the tracked
      // changes over the old row); removing a field the row does not have is no change.
      for (const f of op.remove) if (Object.hasOwn(next, f)) next[f] = undefined
      for (const [f, v] of Object.entries(op.set)) next[f] = v
      if (exactDifference(current, next) === undefined) return undefined
      model.set(op.key, next)
      return collection.update(op.key, (draft) => {
        for (const f of op.remove) delete draft[f]
        for (const [f, v] of Object.entries(op.set)) draft[f] = v
      })
    }
    case 'delete': {
      if (!current) return undefined
      model.delete(op.key)
      return collection.delete(op.key)
    }
  }
}

async function runSequence(file: string, withHandlers: boolean, ops: readonly Op[]): Promise<void> {
  const handlers: Handlers = withHandlers
    ? { onInsert: async () => undefined, onUpdate: async () => undefined, onDelete: async () => undefined }
    : {}
  const model = new Map<Key, Row>()
  let handle = openCollection(file, handlers)
  await handle.collection.preload()
  const raw = new Database(file)
  const check = (what: string) => {
    compareRows(`${what} (memory)`, model, memoryRows(handle))
    compareRows(`${what} (disk)`, model, diskRows(raw))
  }
  try {
    for (const [i, op] of ops.entries()) {
      const step = `step ${i} ${op.t}`
      if (op.t === 'restart') {
        await closeHandle(handle)
        handle = openCollection(file, handlers)
        await handle.collection.preload()
        if (handle.collection.status !== 'ready')
          throw new Error(`${step}: status ${handle.collection.status}`)
      } else if (op.t === 'tx') {
        const h = handle
        const tx = createTransaction({
          autoCommit: false,
          mutationFn: async ({ transaction }) => h.collection.utils.acceptMutations(transaction),
        })
        tx.mutate(() => {
          for (const write of op.ops) applyWrite(h, model, write)
        })
        if (tx.mutations.length > 0) await tx.commit()
        else tx.rollback()
      } else {
        const tx = applyWrite(handle, model, op)
        if (tx) await tx.isPersisted.promise
      }
      check(step)
    }
    await closeHandle(handle)
    handle = openCollection(file, handlers)
    await handle.collection.preload()
    check('after the final restart')
  } finally {
    raw.close()
    await closeHandle(handle)
  }
}

const tmp = tempDir('persistdb-model-')
let runNo = 0
afterAll(() => tmp.cleanup())

describe('model: collection and disk always equal a plain Map', () => {
  it(`random insert/update/delete/transaction/restart sequences (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(opArb, { maxLength: 40, size: 'max' }),
        async (withHandlers, ops) => {
          await runSequence(tmp.file(`model-${++runNo}.sqlite`), withHandlers, ops)
        },
      ),
      { numRuns: NUM_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  })

  it('the model itself catches a divergence (sanity check of the comparison)', () => {
    const model = new Map<Key, Row>([[1, { id: 1, a: undefined }]])
    expect(() => compareRows('x', model, new Map([[1, { id: 1 }]]))).toThrow(/keys/)
    expect(() => compareRows('x', model, new Map([['1', { id: 1, a: undefined }]]))).toThrow(/keys/)
    expect(() =>
      compareRows('x', new Map([[1, { id: 1, d: new Date(1) }]]), new Map([[1, { id: 1, d: new Date(2) }]])),
    ).toThrow(/date/)
    expect(() => compareRows('x', model, new Map([[1, { id: 1, a: undefined }]]))).not.toThrow()
  })
})
