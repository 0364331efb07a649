/**
 * Differential property test of on-demand pushdown, end to end: random rows
 * and random where / orderBy / limit / offset; what a live query returns over
 * a persisted on-demand collection (rows loaded from SQLite by the generated
 * SQL) must equal what TanStack DB returns for the same query over a plain
 * in-memory collection holding the same rows.
 *
 * PERSISTDB_DIFF_RUNS sets the number of row sets (each checked with several
 * queries); the default keeps `npm test` fast.
 */
import {
  add,
  BasicIndex,
  and,
  coalesce,
  concat,
  createCollection,
  createLiveQueryCollection,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNull,
  isUndefined,
  length,
  like,
  localOnlyCollectionOptions,
  lower,
  lt,
  lte,
  not,
  or,
  upper,
  type Collection,
} from '@tanstack/db'
import fc from 'fast-check'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { tempDir } from './helpers'

interface Row {
  id: string
  n?: number | null
  s?: string | null
  d?: Date | null
  b?: bigint | null
  flag?: boolean
  nested?: { x?: number | null; tag?: string; $pdb?: string }
}

const RUNS = Number(process.env.PERSISTDB_DIFF_RUNS ?? 125)
const QUERIES_PER_ROWSET = 8

const words = ['a', 'A', 'é', 'E', 'e', 'ß', 'ss', 'Z', 'z', '😀', 'b', ' ', '%', '_', 'ä', 'Ä']
const str = fc.array(fc.constantFrom(...words), { maxLength: 4 }).map((parts) => parts.join(''))
const base = Date.UTC(2026, 0, 1)
const date = fc.integer({ min: 0, max: 4000 }).map((ms) => new Date(base + ms))
// 10^18 and beyond read as "unknown" to the compiler: rare on purpose, so most row sets stay "plain".
const big = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom(0n, 1n, -5n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 60n, -(2n ** 60n) - 3n),
  },
  { weight: 1, arbitrary: fc.constantFrom(10n ** 18n + 7n, -(10n ** 19n)) },
)
const num = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, -0.5, 2.25, 1e9))
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, fc.constant(null))

const rowArb = (id: string): fc.Arbitrary<Row> =>
  fc
    .record(
      {
        n: maybe(num),
        s: maybe(str),
        d: maybe(date),
        b: maybe(big),
        flag: fc.boolean(),
        nested: fc.oneof(
          { weight: 9, arbitrary: fc.record({ x: maybe(num), tag: str }, { requiredKeys: ['tag'] }) },
          // A user object owning "$pdb" is stored escaped: it makes its whole row "unknown" to the compiler.
          {
            weight: 1,
            arbitrary: fc.record(
              { x: maybe(num), tag: str, $pdb: fc.constant('user data') },
              { requiredKeys: ['tag', '$pdb'] },
            ),
          },
        ),
      },
      { requiredKeys: [] },
    )
    .map((fields) => ({ id, ...fields }))

const rowsArb = fc
  .integer({ min: 0, max: 25 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => rowArb(`r${i}`))))

type Field = 'n' | 's' | 'd' | 'b' | 'flag' | 'x'
type Expr = ReturnType<typeof eq>
type Refs = Record<Field | 'id' | 'tag', unknown>

const literal: Record<Field, fc.Arbitrary<unknown>> = {
  n: num,
  s: str,
  d: date,
  b: big,
  flag: fc.boolean(),
  x: num,
}

/** A random predicate, built with the public query builder functions from the row's refs. */
const leafArb: fc.Arbitrary<(r: Refs) => Expr> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom<Field>('n', 's', 'd', 'b', 'x', 'flag'),
      fc.constantFrom(eq, gt, gte, lt, lte),
      fc.constant(null),
    )
    .chain(([field, op]) =>
      literal[field].map((value) => (r: Refs) => op(r[field] as never, value as never)),
    ),
  fc
    .tuple(fc.constantFrom<Field>('n', 's', 'b'), fc.constant(0))
    .chain(([field]) =>
      fc
        .array(literal[field], { maxLength: 3 })
        .map((values) => (r: Refs) => inArray(r[field] as never, values)),
    ),
  fc
    .tuple(fc.constantFrom(like, ilike), fc.constantFrom('%', 'a%', '%e', '_', '%é%', 'A_%', 'ß%', '%😀'))
    .map(
      ([op, pattern]) =>
        (r: Refs) =>
          op(r.s as never, pattern),
    ),
  fc.constantFrom<Field>('n', 's', 'd', 'x').map((field) => (r: Refs) => isNull(r[field] as never)),
  fc.constantFrom<Field>('n', 's', 'b').map((field) => (r: Refs) => isUndefined(r[field] as never)),
  str.map((value) => (r: Refs) => eq(upper(r.s as never), value.toUpperCase())),
  str.map((value) => (r: Refs) => eq(lower(r.tag as never), value)),
  fc.integer({ min: 0, max: 4 }).map((value) => (r: Refs) => gt(length(r.s as never), value)),
  str.map((value) => (r: Refs) => eq(concat(r.tag as never, '!'), `${value}!`)),
  num.map((value) => (r: Refs) => gt(coalesce(r.n as never, 0), value)),
  num.map((value) => (r: Refs) => lte(add(r.x as never, 1), value)),
)

const whereArb: fc.Arbitrary<(r: Refs) => Expr> = fc.letrec<{ node: (r: Refs) => Expr }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.tuple(tie('node'), tie('node')).map(
      ([x, y]) =>
        (r: Refs) =>
          and(x(r), y(r)),
    ),
    fc.tuple(tie('node'), tie('node')).map(
      ([x, y]) =>
        (r: Refs) =>
          or(x(r), y(r)),
    ),
    tie('node').map((x) => (r: Refs) => not(x(r))),
  ),
})).node

/** Both sides index what their queries touch (the persisted side also as SQLite indexes). */
const INDEXING = { autoIndex: 'eager' as const, defaultIndexType: BasicIndex }

interface QuerySpec {
  where?: (r: Refs) => Expr
  order?: { field: Field | 'id'; direction: 'asc' | 'desc'; nulls: 'first' | 'last' }
  limit?: number
  offset?: number
}

const querySpecArb: fc.Arbitrary<QuerySpec> = fc.record(
  {
    where: whereArb,
    order: fc.record({
      field: fc.constantFrom<Field | 'id'>('n', 's', 'd', 'b', 'x', 'id'),
      direction: fc.constantFrom('asc' as const, 'desc' as const),
      nulls: fc.constantFrom('first' as const, 'last' as const),
    }),
    limit: fc.integer({ min: 1, max: 8 }),
    offset: fc.integer({ min: 0, max: 4 }),
  },
  { requiredKeys: [] },
)

function refsOf(r: Record<string, unknown>): Refs {
  const nested = r.nested as Record<string, unknown>
  return { id: r.id, n: r.n, s: r.s, d: r.d, b: r.b, flag: r.flag, x: nested.x, tag: nested.tag }
}

/** Runs the query over `collection` and returns the ids in result order. */
async function runQuery(collection: Collection<Row, string>, spec: QuerySpec): Promise<string[]> {
  const live = createLiveQueryCollection({
    query: (q) => {
      let query = q.from({ r: collection })
      if (spec.where) query = query.where(({ r }) => spec.where!(refsOf(r)))
      const order = spec.order
      // TanStack needs an order for limit/offset; without one, only the filter applies.
      if (!order) return query
      const ordered = query.orderBy(
        ({ r }) => (order.field === 'id' ? r.id : refsOf(r)[order.field]) as never,
        { direction: order.direction, nulls: order.nulls },
      )
      const limited = spec.limit === undefined ? ordered : ordered.limit(spec.limit)
      return spec.offset === undefined || spec.limit === undefined ? limited : limited.offset(spec.offset)
    },
    startSync: true,
  })
  try {
    const rows = await live.toArrayWhenReady()
    const ids = rows.map((row) => row.id)
    return spec.order ? ids : ids.sort()
  } finally {
    await live.cleanup()
  }
}

describe('on-demand pushdown equals TanStack DB in memory', () => {
  const tmp = tempDir('persistdb-differential-')
  afterAll(() => tmp.cleanup())
  afterEach(() => vi.restoreAllMocks())

  // About a second per row set on a loaded 2-core machine: the timeout follows PERSISTDB_DIFF_RUNS.
  const timeout = Math.max(60_000, RUNS * 2_000)
  it(
    'random rows, random where / orderBy / limit / offset: same result from SQLite as from memory',
    { timeout },
    async () => {
      // TanStack advises an index per ordered field; the advice is beside the point here.
      const warn = console.warn
      vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
        if (typeof args[0] === 'string' && args[0].includes('orderBy with limit requires an index')) return
        warn(...args)
      })
      const persistence = createNodeSQLitePersistence({ path: tmp.file('diff.sqlite') })
      let caseNo = 0
      try {
        await fc.assert(
          fc.asyncProperty(
            rowsArb,
            fc.array(querySpecArb, { minLength: QUERIES_PER_ROWSET, maxLength: QUERIES_PER_ROWSET }),
            async (rows, specs) => {
              const id = `case-${++caseNo}`
              const writer = createCollection(
                persistedCollectionOptions<Row, string>({ id, getKey: (row) => row.id, persistence }),
              )
              await writer.preload()
              if (rows.length > 0) await writer.insert(rows).isPersisted.promise
              await writer.cleanup()

              const memory = createCollection(
                localOnlyCollectionOptions<Row, string>({
                  id: `${id}-memory`,
                  getKey: (row) => row.id,
                  initialData: rows,
                  ...INDEXING,
                }),
              )
              for (const spec of specs) {
                // A fresh on-demand collection per query: nothing in memory but what this query loaded.
                const onDemand = createCollection(
                  persistedCollectionOptions<Row, string>({
                    id,
                    getKey: (row) => row.id,
                    persistence,
                    syncMode: 'on-demand',
                    ...INDEXING,
                  }),
                )
                const expected = await runQuery(memory, spec)
                const actual = await runQuery(onDemand, spec)
                expect(actual).toEqual(expected)
                await onDemand.cleanup()
              }
              await memory.cleanup()
            },
          ),
          { numRuns: RUNS, endOnFailure: true },
        )
      } finally {
        await persistence.close()
      }
    },
  )
})
