/**
 * What every runtime's persistence proves end to end, written once: a
 * runtime package calls `describePersistenceScenarios` with a factory that
 * opens its persistence by database name (the same name is the same
 * database: opening it again is a restart). Any `PersistenceBackend` fits: a
 * local SQLitePersistence or a remote one (core's test/remote). Real
 * @tanstack/db collections, real SQLite underneath (whatever engine the
 * runtime drives).
 *
 * PERSISTDB_SCENARIO_RUNS=200 runs the model test longer.
 */
import {
  BasicIndex,
  createCollection,
  createLiveQueryCollection,
  gt,
  IR,
  type Collection,
} from '@tanstack/db'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SQLITE_LIMITS,
  persistedCollectionOptions,
  SchemaVersionMismatchError,
  SQLitePersistence,
  type MaybePromise,
  type PersistenceBackend,
  type SQLiteRow,
  type SQLiteValue,
} from '../../src'
import { compileSubset } from '../../src/query'
import { cursorSource, FakeServer, waitFor, type Row } from '../../../node/test/fixtures/synced-source'

export interface PersistenceScenarioTarget {
  /** Opens the runtime's persistence on database `databaseName` (same name, same database). */
  open(databaseName: string): MaybePromise<PersistenceBackend>
  /**
   * Reads database `databaseName` by SQL for the on-demand scenario (the
   * persisted index, `EXPLAIN QUERY PLAN`). Default: through the
   * persistence's own driver. Needed where that driver is out of reach (a
   * remote persistence sends no SQL) or answers only statements starting
   * with SELECT (op-sqlite's Node build): a second connection to the file.
   */
  readSql?(
    databaseName: string,
    sql: string,
    params: readonly SQLiteValue[],
  ): MaybePromise<readonly SQLiteRow[]>
}

const RUNS = Number(process.env.PERSISTDB_SCENARIO_RUNS ?? 12)

interface Item {
  id: string
  n: number
  at: Date
  big: bigint
  bytes: Uint8Array
  tags: string[]
  note?: string | null
}

type Op = { t: 'put'; id: string; n: number } | { t: 'delete'; id: string } | { t: 'restart' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('put' as const),
      id: fc.constantFrom('a', 'b', 'c', 'd', 'é'),
      n: fc.integer(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('delete' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'é') }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
)

function item(id: string, n: number): Item {
  return {
    id,
    n,
    at: new Date(Date.UTC(2026, 0, 1) + n),
    big: BigInt(n) * 10_000_000_000_000n,
    bytes: new Uint8Array([n & 0xff, (n >> 8) & 0xff, 0]),
    tags: [`t${n % 3}`],
    note: n % 2 === 0 ? null : `odd ${n} ✓`,
  }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A row as the app wrote it: TanStack DB's virtual props ($synced, $origin, ...) left out. */
function plain<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('$'))) as T
}

const byId = <T extends { id: string }>(rows: Iterable<T>) =>
  [...rows].map(plain).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

export function describePersistenceScenarios(name: string, target: PersistenceScenarioTarget): void {
  let databases = 0
  const newName = (what: string) => `scenario-${what}-${++databases}-${Date.now().toString(36)}`

  describe(`persistence scenarios: ${name}`, () => {
    it('local-only: any sequence of writes and restarts equals a Map model (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
          const db = newName('model')
          const model = new Map<string, Item>()
          const openItems = async () => {
            const persistence = await target.open(db)
            const collection = createCollection(
              persistedCollectionOptions<Item, string>({
                id: 'items',
                getKey: (r) => r.id,
                persistence,
                schemaVersion: 1,
              }),
            )
            await collection.preload()
            return { persistence, collection }
          }
          let open = await openItems()
          try {
            for (const op of ops) {
              if (op.t === 'restart') {
                await open.collection.cleanup()
                await open.persistence.close()
                open = await openItems()
                expect(byId(open.collection.values())).toEqual(byId(model.values()))
                continue
              }
              const { collection } = open
              let tx
              if (op.t === 'delete') {
                if (!collection.has(op.id)) continue
                tx = collection.delete(op.id)
                model.delete(op.id)
              } else if (collection.has(op.id)) {
                const next = item(op.id, op.n)
                tx = collection.update(op.id, (draft) => Object.assign(draft, next))
                model.set(op.id, next)
              } else {
                tx = collection.insert(item(op.id, op.n))
                model.set(op.id, item(op.id, op.n))
              }
              await tx.isPersisted.promise
            }
            await open.collection.cleanup()
            await open.persistence.close()
            open = await openItems()
            expect(byId(open.collection.values())).toEqual(byId(model.values()))
          } finally {
            await open.collection.cleanup()
            await open.persistence.close()
          }
        }),
        { numRuns: RUNS },
      )
    })

    it('synced: cached rows are restored before the source answers, and the source resumes from its cursor', async () => {
      const db = newName('synced')
      const server = new FakeServer([
        { id: 'a', title: 'A' },
        { id: 'b', title: 'B' },
      ])
      const openSynced = async (schemaVersion = 1) => {
        const persistence = await target.open(db)
        const collection = createCollection(
          persistedCollectionOptions({
            id: 'synced',
            getKey: (row: Row) => row.id,
            sync: cursorSource(server),
            persistence,
            schemaVersion,
            offlineReadyTimeoutMs: 60_000,
          }),
        )
        return { persistence, collection }
      }
      const first = await openSynced()
      await first.collection.preload()
      expect(byId(first.collection.values())).toEqual(byId(server.rows.values()))
      await first.collection.cleanup()
      await first.persistence.close()

      // Offline: the source never answers, the cached rows are there anyway.
      server.mode = 'never-answers'
      const offline = await openSynced()
      offline.collection.startSyncImmediate()
      await waitFor(() => offline.collection.size === 2, 'cached rows restored while the source is silent')
      expect(byId(offline.collection.values())).toEqual(byId(server.rows.values()))
      expect(server.seenCursors.at(-1)).toBe(2)
      await offline.collection.cleanup()
      await offline.persistence.close()

      // A schema bump drops rows and cursor together: the source resyncs in full.
      server.mode = 'online'
      server.upsert({ id: 'c', title: 'C' }, false)
      const bumped = await openSynced(2)
      await bumped.collection.preload()
      expect(server.seenCursors.at(-1)).toBeUndefined()
      expect(byId(bumped.collection.values())).toEqual(byId(server.rows.values()))
      await bumped.collection.cleanup()
      await bumped.persistence.close()
    })

    it('local-only schema policy: another schemaVersion without migrate is refused and the rows stay', async () => {
      const db = newName('schema')
      const open = async (schemaVersion: number) => {
        const persistence = await target.open(db)
        const collection = createCollection(
          persistedCollectionOptions<{ id: string; v: number }, string>({
            id: 'versioned',
            getKey: (r) => r.id,
            persistence,
            schemaVersion,
          }),
        )
        return { persistence, collection }
      }
      const v1 = await open(1)
      await v1.collection.preload()
      await v1.collection.insert({ id: 'x', v: 1 }).isPersisted.promise
      await v1.collection.cleanup()
      await v1.persistence.close()

      const v2 = await open(2)
      const error = await v2.collection.preload().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(SchemaVersionMismatchError)
      expect(v2.collection.status).toBe('error')
      await v2.collection.cleanup()
      await v2.persistence.close()

      const again = await open(1)
      await again.collection.preload()
      expect(byId(again.collection.values())).toEqual([{ id: 'x', v: 1 }])
      await again.collection.cleanup()
      await again.persistence.close()
    })

    it('on-demand: a live query is answered from SQLite through the persisted index (EXPLAIN shows it)', async () => {
      const db = newName('on-demand')
      type Scored = { id: string; score: number }
      const rows: Scored[] = Array.from({ length: 400 }, (_, i) => ({ id: `r${i}`, score: (i * 37) % 401 }))
      const open = async () => {
        const persistence = await target.open(db)
        const collection: Collection<Scored, string> = createCollection(
          persistedCollectionOptions<Scored, string>({
            id: 'scored',
            getKey: (r) => r.id,
            persistence,
            syncMode: 'on-demand',
            defaultIndexType: BasicIndex,
          }),
        )
        return { persistence, collection }
      }
      const writer = await open()
      await writer.collection.insert(rows).isPersisted.promise
      await writer.collection.cleanup()
      await writer.persistence.close()

      const reader = await open()
      reader.collection.createIndex((r) => r.score, { indexType: BasicIndex })
      const live = createLiveQueryCollection((q) =>
        q
          .from({ r: reader.collection })
          .where(({ r }) => gt(r.score, 390))
          .orderBy(({ r }) => r.score, 'desc')
          .limit(5),
      )
      await live.toArrayWhenReady()
      const expected = rows
        .filter((r) => r.score > 390)
        .sort((a, b) => b.score - a.score)
        .slice(0, 5)
      expect(live.toArray.map(plain)).toEqual(expected)
      // Fewer rows than the table holds were loaded: the query was answered by SQLite, not a full load.
      expect(reader.collection.size).toBeLessThan(rows.length)

      const local = reader.persistence instanceof SQLitePersistence ? reader.persistence.driver : undefined
      const readSql = (sql: string, params: readonly SQLiteValue[] = []) => {
        if (target.readSql) return target.readSql(db, sql, params)
        if (!local) throw new Error('this target needs readSql: its persistence has no driver in reach')
        return local.all(sql, params)
      }
      const [registry] = await readSql(`SELECT id FROM persistdb_collections WHERE name = 'scored'`)
      const table = `"persistdb_c${Number(registry!.id)}_rows"`
      const indexes = async () =>
        (
          await readSql(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`, [
            table.slice(1, -1),
          ])
        )
          .map((r) => String(r.name))
          .filter((n) => !n.startsWith('sqlite_autoindex'))
      // The index is created beside the first query (index upkeep never delays a read): wait for it.
      await until(async () => (await indexes()).length > 0, 'the persisted index')
      const [index] = await indexes()
      expect(index).toBeDefined()
      const compiled = compileSubset(
        table,
        {
          where: new IR.Func('gt', [new IR.PropRef(['score']), new IR.Value(390)]),
          orderBy: [
            {
              expression: new IR.PropRef(['score']),
              compareOptions: { direction: 'desc', nulls: 'first', stringSort: 'lexical' },
            },
          ],
          limit: 5,
        },
        undefined,
        { knownTypes: true, limits: local?.limits ?? DEFAULT_SQLITE_LIMITS },
      )
      const plan = await readSql(`EXPLAIN QUERY PLAN ${compiled.sql}`, compiled.params)
      expect(plan.map((r) => String(r.detail)).join(' | ')).toContain(`USING INDEX ${index}`)
      await live.cleanup()
      await reader.collection.cleanup()
      await reader.persistence.close()
    })
  })
}
