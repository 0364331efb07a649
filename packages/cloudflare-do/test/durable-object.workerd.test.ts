/**
 * @persistdb/cloudflare-do inside real Durable Objects (workerd): values,
 * keys, the SQL that reaches workerd, limits, isolation between objects,
 * hostile names, and failed writes. Each test drives a new object's own
 * storage from inside that object.
 */
import { createLiveQueryCollection, eq, gt } from '@tanstack/db'
import { describe, expect, it, vi } from 'vitest'
import { DurableObjectSQLiteDriver, guardDriver } from '../src'
import { openLocal, openOnDemand, plain } from './workerd/collections'
import { freshName, inNewObject, inObject } from './workerd/objects'
import { REFUSED_BY_WORKERD, spyOnStatements } from './workerd/statement-spy'

describe('values in a Durable Object', () => {
  it('every value the codec supports round-trips exactly through storage and a restart', async () => {
    type Doc = { id: string; value: unknown }
    const values: Record<string, unknown> = {
      hugePositive: 2n ** 200n + 7n,
      hugeNegative: -(2n ** 70n),
      int64Edge: 9223372036854775807n,
      safeBig: 42n,
      bytes: new Uint8Array([0, 1, 127, 128, 254, 255]),
      emptyBytes: new Uint8Array(0),
      viewIntoLargerBuffer: new Uint8Array(new Uint8Array([9, 8, 7, 6, 5]).buffer, 1, 3),
      date: new Date(Date.UTC(2026, 11, 3, 12, 34, 56, 789)),
      nan: Number.NaN,
      negativeZero: -0,
      infinity: Number.POSITIVE_INFINITY,
      negativeInfinity: Number.NEGATIVE_INFINITY,
      maxSafe: Number.MAX_SAFE_INTEGER,
      fraction: 0.1 + 0.2,
      text: 'nul\u0000inside, astral 😀, quotes \'" and \\',
      nested: { a: [1, { b: [true, false, null] }], when: new Date(1), big: 2n ** 64n },
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, new Set([1n, 'x'])],
      ]),
      set: new Set([1, '1', 2n ** 80n]),
      withUndefined: { present: 1, missing: undefined },
    }
    const rows: Doc[] = Object.entries(values).map(([id, value]) => ({ id, value }))
    await inNewObject(async (ctx) => {
      const first = await openLocal<Doc, string>(ctx.storage, 'docs', (d) => d.id)
      await first.collection.insert(rows).isPersisted.promise
      await first.close()

      const again = await openLocal<Doc, string>(ctx.storage, 'docs', (d) => d.id)
      for (const row of rows) {
        const restored = again.collection.get(row.id)?.value
        expect(restored, row.id).toEqual(row.value)
      }
      expect(Object.is(again.collection.get('negativeZero')!.value, -0)).toBe(true)
      expect(again.collection.get('bytes')!.value).toBeInstanceOf(Uint8Array)
      expect((again.collection.get('date')!.value as Date).getTime()).toBe(
        values.date instanceof Date ? values.date.getTime() : 0,
      )
      await again.close()
    })
  })

  it('integer and text keys stay distinct (1 vs "1"), and numbers order and compare numerically in SQLite', async () => {
    // workerd binds every JS number as REAL: keys, ordering and filters must still behave exactly.
    type Row = { id: number | string; n: number }
    const rows: Row[] = [
      { id: 1, n: 10 },
      { id: '1', n: 9 },
      { id: 2, n: 2 },
      { id: 10, n: 1e15 },
      { id: 9, n: -3 },
      { id: 1.5, n: Number.MAX_SAFE_INTEGER },
      { id: -0.25, n: 3 },
    ]
    await inNewObject(async (ctx) => {
      const writer = openOnDemand<Row, number | string>(ctx.storage, 'mixed', (r) => r.id)
      await writer.collection.insert(rows).isPersisted.promise
      await writer.close()

      const local = await openLocal<Row, number | string>(ctx.storage, 'mixed', (r) => r.id)
      expect(local.collection.get(1)?.n).toBe(10)
      expect(local.collection.get('1')?.n).toBe(9)
      expect([...local.collection.keys()].map((k) => typeof k).sort()).toEqual([
        'number',
        'number',
        'number',
        'number',
        'number',
        'number',
        'string',
      ])
      await local.close()

      const reader = openOnDemand<Row, number | string>(ctx.storage, 'mixed', (r) => r.id)
      reader.collection.createIndex((r) => r.n)
      const ordered = createLiveQueryCollection((q) =>
        q
          .from({ r: reader.collection })
          .where(({ r }) => gt(r.n, 1))
          .orderBy(({ r }) => r.n, 'asc')
          .limit(4),
      )
      await ordered.toArrayWhenReady()
      expect(ordered.toArray.map((r) => r.id)).toEqual([2, -0.25, '1', 1])
      const exact = createLiveQueryCollection((q) =>
        q.from({ r: reader.collection }).where(({ r }) => eq(r.n, Number.MAX_SAFE_INTEGER)),
      )
      await exact.toArrayWhenReady()
      expect(exact.toArray.map(plain)).toEqual([{ id: 1.5, n: Number.MAX_SAFE_INTEGER }])
      const byTextKey = createLiveQueryCollection((q) =>
        q.from({ r: reader.collection }).where(({ r }) => eq(r.id, '1')),
      )
      await byTextKey.toArrayWhenReady()
      expect(byTextKey.toArray.map(plain)).toEqual([{ id: '1', n: 9 }])
      await ordered.cleanup()
      await exact.cleanup()
      await byTextKey.cleanup()
      await reader.close()
    })
  })

  it('a bigint parameter beyond ±2^53 is refused with a typed error before workerd sees it; a safe one binds', async () => {
    await inNewObject((ctx) => {
      const spied = spyOnStatements(ctx.storage)
      const driver = guardDriver(new DurableObjectSQLiteDriver(spied))
      driver.run('CREATE TABLE t (v)')
      // workerd itself refuses BigInt binds: the conversion is needed.
      expect(() => ctx.storage.sql.exec('INSERT INTO t VALUES (?)', 5n)).toThrow()
      const sent = spied.statements.length
      expect(() => driver.run('INSERT INTO t VALUES (?)', [2n ** 63n])).toThrow(
        expect.objectContaining({ code: 'PERSISTDB_UNSUPPORTED_VALUE', name: 'UnbindableValueError' }),
      )
      expect(spied.statements.length).toBe(sent)
      driver.run('INSERT INTO t VALUES (?)', [-(2n ** 53n) + 1n])
      expect(driver.all('SELECT v FROM t')).toEqual([{ v: -(2 ** 53) + 1 }])
    })
  })
})

describe('the SQL workerd sees', () => {
  it('workerd refuses each of these statements, and PersistDB never sends one (open, writes, queries, restart)', async () => {
    await inNewObject(async (ctx) => {
      // Each refusal is real: sending any of them would fail in production.
      for (const { sql } of REFUSED_BY_WORKERD) expect(() => ctx.storage.sql.exec(sql), sql).toThrow()

      const spied = spyOnStatements(ctx.storage)
      type Msg = { id: string; at: number; text: string }
      const local = await openLocal<Msg, string>(spied, 'local', (m) => m.id)
      await local.collection.insert({ id: 'a', at: 1, text: 'x' }).isPersisted.promise
      await local.collection.update('a', (d) => void (d.text = 'y')).isPersisted.promise
      await local.collection.delete('a').isPersisted.promise
      await local.close()
      const onDemand = openOnDemand<Msg, string>(spied, 'messages', (m) => m.id)
      onDemand.collection.createIndex((m) => m.at)
      const many = Array.from({ length: 300 }, (_, i) => ({ id: `m${i}`, at: i, text: `t${i}` }))
      await onDemand.collection.insert(many).isPersisted.promise
      const latest = createLiveQueryCollection((q) =>
        q
          .from({ m: onDemand.collection })
          .orderBy(({ m }) => m.at, 'desc')
          .limit(50),
      )
      await latest.toArrayWhenReady()
      expect(latest.toArray[0]?.id).toBe('m299')
      await latest.cleanup()
      await onDemand.close()
      const reopened = await openLocal<Msg, string>(spied, 'messages', (m) => m.id)
      expect(reopened.collection.size).toBe(300)
      await reopened.close()

      expect(spied.statements.length).toBeGreaterThan(20)
      for (const statement of spied.statements) {
        for (const { pattern } of REFUSED_BY_WORKERD) expect(statement).not.toMatch(pattern)
      }
      // Every write transaction went through workerd's transactionSync (migration, 3 local writes, the batch).
      expect(spied.transactions).toBeGreaterThanOrEqual(5)
      // Batches were split to workerd's 100-parameter limit, and some came close to it.
      expect(spied.maxBindings).toBeLessThanOrEqual(100)
      expect(spied.maxBindings).toBeGreaterThan(50)
    })
  })

  it('a 2,000-row insert (far past 100 parameters) lands whole within the limit', async () => {
    await inNewObject(async (ctx) => {
      const spied = spyOnStatements(ctx.storage)
      type Row = { id: number; label: string }
      const rows = Array.from({ length: 2000 }, (_, i) => ({ id: i, label: `row ${i}` }))
      const writer = await openLocal<Row, number>(spied, 'big', (r) => r.id)
      await writer.collection.insert(rows).isPersisted.promise
      await writer.close()
      expect(spied.maxBindings).toBeLessThanOrEqual(100)
      const reader = await openLocal<Row, number>(ctx.storage, 'big', (r) => r.id)
      expect(reader.collection.size).toBe(2000)
      expect(reader.collection.get(1999)).toMatchObject({ label: 'row 1999' })
      await reader.close()
    })
  })

  it('starts no timer by default (a timer keeps an object awake); pollIntervalMs opts in', async () => {
    await inNewObject(async (ctx) => {
      const setIntervalSpy = vi.spyOn(globalThis, 'setInterval')
      try {
        const local = await openLocal<{ id: string }, string>(ctx.storage, 'quiet', (r) => r.id)
        await local.collection.insert({ id: 'a' }).isPersisted.promise
        expect(setIntervalSpy).not.toHaveBeenCalled()
        await local.close()
        // The check can see a timer: with polling asked for, one starts.
        const polling = await openLocal<{ id: string }, string>(ctx.storage, 'quiet', (r) => r.id, {
          pollIntervalMs: 50,
        })
        expect(setIntervalSpy).toHaveBeenCalled()
        await polling.close()
      } finally {
        setIntervalSpy.mockRestore()
      }
    })
  })
})

describe('objects and names', () => {
  it("two objects never see each other's rows", async () => {
    type Row = { id: string; owner: string }
    const [a, b] = [freshName('room-a'), freshName('room-b')]
    for (const name of [a, b]) {
      await inObject(name, async (ctx) => {
        const open = await openLocal<Row, string>(ctx.storage, 'messages', (r) => r.id)
        await open.collection.insert([
          { id: 'shared-key', owner: name },
          { id: `only-${name}`, owner: name },
        ]).isPersisted.promise
        await open.close()
      })
    }
    for (const name of [a, b]) {
      await inObject(name, async (ctx) => {
        const open = await openLocal<Row, string>(ctx.storage, 'messages', (r) => r.id)
        expect([...open.collection.values()].map(plain).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
          { id: `only-${name}`, owner: name },
          { id: 'shared-key', owner: name },
        ])
        await open.close()
      })
    }
  })

  it('hostile collection ids, keys and field paths are data, never SQL', async () => {
    const hostileId = `x"; DROP TABLE persistdb_meta; --'`
    const field = `we"ird'.path]`
    type Row = { id: string } & Record<string, unknown>
    const rows: Row[] = [
      { id: `'); DELETE FROM persistdb_collections; --`, [field]: 1, nested: { [`a.b"c`]: 'deep' } },
      { id: '"quoted"', [field]: 2, nested: { [`a.b"c`]: 'other' } },
      { id: '__proto__', [field]: 3, nested: {} },
    ]
    await inNewObject(async (ctx) => {
      const writer = openOnDemand<Row, string>(ctx.storage, hostileId, (r) => r.id)
      await writer.collection.insert(rows).isPersisted.promise
      await writer.close()
      const reader = openOnDemand<Row, string>(ctx.storage, hostileId, (r) => r.id)
      const live = createLiveQueryCollection((q) =>
        q.from({ r: reader.collection }).where(({ r }) => gt(r[field], 1)),
      )
      await live.toArrayWhenReady()
      expect(live.toArray.map((r) => r.id).sort()).toEqual(['"quoted"', '__proto__'])
      await live.cleanup()
      await reader.close()
      const local = await openLocal<Row, string>(ctx.storage, hostileId, (r) => r.id)
      expect([...local.collection.values()].map(plain).sort((x, y) => x.id.localeCompare(y.id))).toEqual(
        [...rows].sort((x, y) => x.id.localeCompare(y.id)),
      )
      await local.close()
    })
  })

  it('a write that fails leaves nothing: an unstorable value in a batch, and a throwing transaction', async () => {
    type Row = { id: string; value: unknown }
    await inNewObject(async (ctx) => {
      const open = await openLocal<Row, string>(ctx.storage, 'atomic', (r) => r.id)
      await open.collection.insert({ id: 'kept', value: 1 }).isPersisted.promise
      // On a synchronous driver the write is on disk before insert() returns, so a refusal throws there.
      expect(() =>
        open.collection.insert([
          { id: 'a', value: 2 },
          { id: 'b', value: () => 'functions cannot be stored' },
        ]),
      ).toThrow(expect.objectContaining({ code: 'PERSISTDB_UNSUPPORTED_VALUE' }))
      expect(open.collection.has('a')).toBe(false)
      // A transaction body that throws part-way through: workerd's transactionSync rolls it back.
      const driver = open.persistence.driver
      expect(() =>
        driver.transaction((t) => {
          t.run(`INSERT INTO persistdb_meta (key, value) VALUES ('partial', 'x')`)
          throw new Error('boom')
        }),
      ).toThrow('boom')
      expect(driver.all(`SELECT key FROM persistdb_meta WHERE key = 'partial'`)).toEqual([])
      await open.close()
      const again = await openLocal<Row, string>(ctx.storage, 'atomic', (r) => r.id)
      expect([...again.collection.values()].map(plain)).toEqual([{ id: 'kept', value: 1 }])
      await again.close()
    })
  })
})
