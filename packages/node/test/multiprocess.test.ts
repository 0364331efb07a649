/**
 * Several writers on one file.
 *
 * - Failure mode 1, "two writers, same (term, seq)": two processes commit to
 *   the same collection at once; every row of both must be on disk and in
 *   both processes' memory, and the shared change log must number every
 *   commit of both writers at its own position.
 * - Two persistence objects in one process: each sees the other's inserts,
 *   full-replace updates (field removal), partial-mode replacements and
 *   deletes through the remote-apply path.
 * - The change log stays bounded, and a reader that fell behind the pruned
 *   range still converges (full reload on a gap).
 */
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createCollection, type SyncConfig } from '@tanstack/db'
import { decodeKey, decodeValue, type SQLitePersistence } from '@persistdb/core'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { spawnTs, type TsChild } from './fixtures/spawn'
import { rowsOf, tempDir } from './helpers'

const tmp = tempDir('persistdb-mp-')
afterAll(() => tmp.cleanup())

type Row = { id: string; [field: string]: unknown }

/** Rows of a collection as stored on disk (decoded), sorted by key, top-level `undefined` fields dropped. */
function diskRows(file: string, collection: string): Row[] {
  const db = new Database(file, { readonly: true })
  try {
    const found = db.prepare(`SELECT id FROM persistdb_collections WHERE name = ?`).get(collection) as
      { id: number } | undefined
    if (!found) return []
    const stored = db
      .prepare(`SELECT key, value FROM "persistdb_c${found.id}_rows" WHERE value IS NOT NULL`)
      .all() as Array<{
      key: unknown
      value: string
    }>
    return stored
      .map((r) => {
        const value = decodeValue(r.value) as Row
        expect(value.id).toBe(decodeKey(r.key))
        return defined(value)
      })
      .sort(byId)
  } finally {
    db.close()
  }
}

function defined(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as Row
}

function byId(a: Row, b: Row): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

interface LogEntry {
  seq: number
  writer: string
  keys: string | null
}

function changeLog(file: string): LogEntry[] {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(`SELECT seq, writer, keys FROM persistdb_changes ORDER BY seq`).all() as LogEntry[]
  } finally {
    db.close()
  }
}

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true })
  try {
    return Number((db.prepare(sql).get() as { n: number }).n)
  } finally {
    db.close()
  }
}

function messages(child: TsChild): Array<Record<string, unknown>> {
  return child.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
}

function waitForMessage(child: TsChild, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const seen = messages(child).find((m) => m.type === type)
    if (seen) return resolve(seen)
    child.onLine((line) => {
      if (!line.startsWith('{')) return
      const message = JSON.parse(line) as Record<string, unknown>
      if (message.type === type) resolve(message)
    })
    void child.exited.then(({ code, signal }) =>
      reject(
        new Error(`child exited (${code ?? signal}) before "${type}": ${child.stderr().slice(0, 3000)}`),
      ),
    )
  })
}

describe('failure mode 1: two writers, same (term, seq)', () => {
  it('two processes write one collection at once: every row once on disk and in both memories, every commit logged', async () => {
    const N = 300
    const SHARED = 4
    const file = tmp.file('two-processes.sqlite')
    // The collection and its shared rows exist before the writers start.
    {
      const persistence = createNodeSQLitePersistence({ path: file })
      const collection = createCollection(
        persistedCollectionOptions<Row, string>({ id: 'shared', getKey: (r) => r.id, persistence }),
      )
      await collection.preload()
      for (let s = 0; s < SHARED; s++) collection.insert({ id: `shared-${s}`, by: 'parent', i: -1 })
      await collection.cleanup()
      await persistence.close()
    }

    const a = spawnTs('mp-writer.ts', [file, 'A', 'B', String(N), String(SHARED)])
    const b = spawnTs('mp-writer.ts', [file, 'B', 'A', String(N), String(SHARED)])
    const [readyA, readyB] = await Promise.all([waitForMessage(a, 'ready'), waitForMessage(b, 'ready')])
    a.send('go')
    b.send('go')
    const [exitA, exitB] = await Promise.all([a.exited, b.exited])
    expect(exitA, a.stderr()).toEqual({ code: 0, signal: null })
    expect(exitB, b.stderr()).toEqual({ code: 0, signal: null })
    const commitsA = Number(messages(a).find((m) => m.type === 'committed')?.commits)
    const commitsB = Number(messages(b).find((m) => m.type === 'committed')?.commits)
    const finalA = (messages(a).find((m) => m.type === 'final')?.rows as Row[]).sort(byId)
    const finalB = (messages(b).find((m) => m.type === 'final')?.rows as Row[]).sort(byId)

    // Disk: every row of both writers, exactly once, with the value its writer wrote.
    const disk = diskRows(file, 'shared')
    const expectedIds = [
      ...['A', 'B'].flatMap((w) => [...Array.from({ length: N }, (_, i) => `${w}-${i}`), `done-${w}`]),
      ...Array.from({ length: SHARED }, (_, s) => `shared-${s}`),
    ].sort()
    expect(disk.map((r) => r.id)).toEqual(expectedIds)
    for (const row of disk) {
      const m = /^([AB])-(\d+)$/.exec(row.id)
      if (m) expect(row).toEqual({ id: row.id, by: m[1], i: Number(m[2]) })
    }
    // Both writers updated every shared key; the last commit won, and a removed field stays removed.
    for (const s of Array.from({ length: SHARED }, (_, k) => `shared-${k}`)) {
      const row = disk.find((r) => r.id === s)!
      expect(['A', 'B']).toContain(row.by)
      if (row.by === 'A') expect(row.note).toBe('from A')
      else expect('note' in row).toBe(false)
    }
    // Each process's final in-memory view is the file's content: no row lost, duplicated or stale.
    expect(finalA).toEqual(disk)
    expect(finalB).toEqual(disk)

    // The change log: one position per commit, never shared, every commit of both writers logged.
    const log = changeLog(file)
    expect(new Set(log.map((e) => e.seq)).size).toBe(log.length)
    expect(count(file, `SELECT count(*) AS n FROM persistdb_changes`)).toBe(log.length)
    const ofA = log.filter((e) => e.writer.startsWith(`${readyA.writerId}:`))
    const ofB = log.filter((e) => e.writer.startsWith(`${readyB.writerId}:`))
    expect(readyA.writerId).not.toBe(readyB.writerId)
    expect(ofA.length).toBeGreaterThanOrEqual(commitsA)
    expect(ofB.length).toBeGreaterThanOrEqual(commitsB)
    // Every row a writer inserted is named by one of its own log entries.
    for (const [w, entries] of [
      ['A', ofA],
      ['B', ofB],
    ] as const) {
      const logged = new Set(
        entries.flatMap((e) => (e.keys === null ? [] : (JSON.parse(e.keys) as string[]))),
      )
      for (let i = 0; i < N; i++) expect(logged.has(`${w}-${i}`)).toBe(true)
    }
    // The writers really ran at the same time: their commits interleave in the log.
    const seqs = (entries: LogEntry[]) => entries.map((e) => e.seq)
    expect(Math.min(...seqs(ofB))).toBeLessThan(Math.max(...seqs(ofA)))
    expect(Math.min(...seqs(ofA))).toBeLessThan(Math.max(...seqs(ofB)))

    const db = new Database(file, { readonly: true })
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
    db.close()
  })
})

/** A synced collection whose "source" the test drives by hand (rowUpdateMode 'partial', the default). */
function manualSource() {
  let params: Parameters<SyncConfig<Row, string>['sync']>[0] | undefined
  const sync: SyncConfig<Row, string> = {
    sync: (p) => {
      params = p
      p.markReady()
      return () => {
        params = undefined
      }
    },
  }
  const send = (ops: Array<{ type: 'insert' | 'update' | 'delete'; value: Row }>) => {
    if (!params) throw new Error('source not running')
    params.begin()
    for (const op of ops) params.write(op)
    params.commit()
  }
  return { sync, send }
}

function openSynced(persistence: SQLitePersistence, source: ReturnType<typeof manualSource>) {
  return createCollection(
    persistedCollectionOptions({
      id: 'synced',
      getKey: (r: Row) => r.id,
      sync: source.sync,
      persistence,
    }),
  )
}

describe('two persistence objects in one process on one file', () => {
  it("local-only: each sees the other's insert, field-removing update and delete after poll()", async () => {
    const file = tmp.file('two-objects-local.sqlite')
    // Manual polling: poll() applies the other writer's commits now.
    const p1 = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const p2 = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const open = (persistence: SQLitePersistence) =>
      createCollection(
        persistedCollectionOptions<Row, string>({ id: 'todos', getKey: (r) => r.id, persistence }),
      )
    const c1 = open(p1)
    const c2 = open(p2)
    await Promise.all([c1.preload(), c2.preload()])

    c1.insert({ id: 'x', a: 1, b: 2 })
    c1.insert({ id: 'y', a: 1 })
    expect(rowsOf(c2)).toEqual([])
    p2.poll()
    expect(rowsOf(c2)).toEqual([
      { id: 'x', a: 1, b: 2 },
      { id: 'y', a: 1 },
    ])

    // Full replace (local-only): `b` removed on one side is gone on the other.
    c1.update('x', (d) => {
      d.a = 2
      delete d.b
    })
    c2.insert({ id: 'z', from: 'c2' })
    p2.poll()
    expect(c2.get('x')?.a).toBe(2)
    expect(c2.get('x')?.b).toBeUndefined()
    expect(rowsOf(c2).map(defined)).toEqual([
      { id: 'x', a: 2 },
      { id: 'y', a: 1 },
      { id: 'z', from: 'c2' },
    ])
    p1.poll()
    expect(rowsOf(c1).map(defined)).toEqual(rowsOf(c2).map(defined))

    // Deletes travel both ways.
    c2.delete('y')
    c1.delete('z')
    p1.poll()
    p2.poll()
    expect(rowsOf(c1).map(defined)).toEqual([{ id: 'x', a: 2 }])
    expect(rowsOf(c2).map(defined)).toEqual([{ id: 'x', a: 2 }])
    expect(diskRows(file, 'todos')).toEqual([{ id: 'x', a: 2 }])

    // The remote side can keep writing on top of what it received.
    c2.update('x', (d) => {
      d.c = 3
    })
    p1.poll()
    expect(rowsOf(c1).map(defined)).toEqual([{ id: 'x', a: 2, c: 3 }])

    await Promise.all([c1.cleanup(), c2.cleanup()])
    await p1.close()
    await p2.close()
  })

  it('local-only: the poll timer carries writes over within a bounded wait', async () => {
    const file = tmp.file('two-objects-timer.sqlite')
    const p1 = createNodeSQLitePersistence({ path: file, pollIntervalMs: 10 })
    const p2 = createNodeSQLitePersistence({ path: file, pollIntervalMs: 10 })
    const c1 = createCollection(
      persistedCollectionOptions<Row, string>({ id: 't', getKey: (r) => r.id, persistence: p1 }),
    )
    const c2 = createCollection(
      persistedCollectionOptions<Row, string>({ id: 't', getKey: (r) => r.id, persistence: p2 }),
    )
    await Promise.all([c1.preload(), c2.preload()])
    for (let i = 0; i < 20; i++) (i % 2 ? c1 : c2).insert({ id: `r${String(i).padStart(2, '0')}`, i })
    c2.update('r02', (d) => {
      delete d.i
    })
    c1.delete('r01')
    const expected = diskRows(file, 't')
    expect(expected.map((r) => r.id)).toHaveLength(19)
    await vi.waitFor(
      () => {
        expect(rowsOf(c1).map(defined)).toEqual(expected)
        expect(rowsOf(c2).map(defined)).toEqual(expected)
      },
      { timeout: 5000, interval: 10 },
    )
    expect(expected.find((r) => r.id === 'r02')).toEqual({ id: 'r02' })
    await Promise.all([c1.cleanup(), c2.cleanup()])
    await p1.close()
    await p2.close()
  })

  it('synced (partial row mode): a replaced row loses its removed field on the other side; deletes apply', async () => {
    const file = tmp.file('two-objects-synced.sqlite')
    const p1 = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const p2 = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const s1 = manualSource()
    const s2 = manualSource()
    const c1 = openSynced(p1, s1)
    const c2 = openSynced(p2, s2)
    await Promise.all([c1.preload(), c2.preload()])

    s1.send([
      { type: 'insert', value: { id: 'x', a: 1, b: 2 } },
      { type: 'insert', value: { id: 'y', a: 1 } },
    ])
    p2.poll()
    expect(rowsOf(c2)).toEqual([
      { id: 'x', a: 1, b: 2 },
      { id: 'y', a: 1 },
    ])

    // A partial update merges on the writing side (b kept) and arrives merged on the other.
    s1.send([{ type: 'update', value: { id: 'x', a: 2 } }])
    p2.poll()
    expect(rowsOf(c2)).toEqual([
      { id: 'x', a: 2, b: 2 },
      { id: 'y', a: 1 },
    ])

    // The source replaces x without b (delete + insert in one transaction): the other
    // side must replace too, not merge the stored row into its old one.
    s1.send([
      { type: 'delete', value: { id: 'x' } },
      { type: 'insert', value: { id: 'x', a: 3 } },
    ])
    expect(rowsOf(c1)).toEqual([
      { id: 'x', a: 3 },
      { id: 'y', a: 1 },
    ])
    p2.poll()
    expect(rowsOf(c2)).toEqual([
      { id: 'x', a: 3 },
      { id: 'y', a: 1 },
    ])
    expect('b' in c2.get('x')!).toBe(false)

    // Writes from the other side and deletes flow back.
    s2.send([
      { type: 'delete', value: { id: 'y' } },
      { type: 'insert', value: { id: 'w', from: 2 } },
    ])
    p1.poll()
    expect(rowsOf(c1)).toEqual([
      { id: 'w', from: 2 },
      { id: 'x', a: 3 },
    ])
    expect(diskRows(file, 'synced')).toEqual(rowsOf(c1))

    await Promise.all([c1.cleanup(), c2.cleanup()])
    await p1.close()
    await p2.close()

    // And it is all durable: a fresh start restores the same rows.
    const p3 = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0 })
    const c3 = openSynced(p3, manualSource())
    await c3.preload()
    expect(rowsOf(c3)).toEqual([
      { id: 'w', from: 2 },
      { id: 'x', a: 3 },
    ])
    await c3.cleanup()
    await p3.close()
  })
})

describe('bounded change log', () => {
  const changes = (file: string) => count(file, `SELECT count(*) AS n FROM persistdb_changes`)

  it('stays bounded by maxEntries (+ at most 64 between prunes); a reader behind the pruned range reloads and converges', async () => {
    const file = tmp.file('bounded.sqlite')
    const maxEntries = 50
    const writer = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0, changeLog: { maxEntries } })
    const reader = createNodeSQLitePersistence({ path: file, pollIntervalMs: 0, changeLog: { maxEntries } })
    const open = (persistence: SQLitePersistence) =>
      createCollection(
        persistedCollectionOptions<Row, string>({ id: 'log', getKey: (r) => r.id, persistence }),
      )
    const w = open(writer)
    const r = open(reader)
    await Promise.all([w.preload(), r.preload()])
    for (let i = 0; i < 10; i++) w.insert({ id: `k${i}`, i, gone: 'soon' })
    reader.poll()
    expect(rowsOf(r)).toHaveLength(10)

    // 300 more transactions: inserts, field-removing updates and deletes of rows the reader holds.
    let maxSeen = 0
    for (let i = 0; i < 300; i++) {
      if (i < 10) w.delete(`k${i}`)
      else if (i % 3 === 0 && i > 10)
        w.update(`n${i - 1}`, (d) => {
          delete d.gone
          d.updated = i
        })
      else w.insert({ id: `n${i}`, i, gone: 'soon' })
      maxSeen = Math.max(maxSeen, changes(file))
    }
    expect(maxSeen).toBeLessThanOrEqual(maxEntries + 64)
    writer.pruneChangeLog()
    expect(changes(file)).toBe(maxEntries)
    const oldest = count(file, `SELECT min(seq) AS n FROM persistdb_changes`)
    expect(oldest).toBeGreaterThan(11) // the reader's position (after the first 10 inserts) is gone

    // The reader fell behind the pruned range: it reloads the whole collection.
    const expected = diskRows(file, 'log')
    expect(expected.some((row) => row.id === 'k0')).toBe(false)
    expect(rowsOf(r).some((row) => row.id === 'k0')).toBe(true)
    reader.poll()
    expect(rowsOf(r).map(defined)).toEqual(expected)
    expect(rowsOf(w).map(defined)).toEqual(expected)
    expect(expected.find((row) => row.id === 'n11')).toEqual({ id: 'n11', i: 11, updated: 12 })

    // After the reload it follows incrementally again.
    w.insert({ id: 'late', i: -1 })
    reader.poll()
    expect(r.get('late')).toBeDefined()

    await Promise.all([w.cleanup(), r.cleanup()])
    await writer.close()
    await reader.close()
  })

  it('maxAgeMs prunes the entries written before the first young one, never the newest, also at the 64th commit', async () => {
    const file = tmp.file('aged.sqlite')
    const maxAgeMs = 60_000
    const persistence = createNodeSQLitePersistence({
      path: file,
      pollIntervalMs: 0,
      changeLog: { maxEntries: 0, maxAgeMs },
    })
    const c = createCollection(
      persistedCollectionOptions<Row, string>({ id: 'log', getKey: (r) => r.id, persistence }),
    )
    await c.preload()
    for (let i = 0; i < 20; i++) c.insert({ id: `k${i}`, i })
    const seqs = changeLog(file).map((entry) => entry.seq)
    expect(seqs).toHaveLength(20)
    // Entries age on disk: the first 15 are older than maxAgeMs.
    const age = (throughSeq: number) => {
      const db = new Database(file)
      db.prepare(`UPDATE persistdb_changes SET at = ? WHERE seq <= ?`).run(
        Date.now() - 2 * maxAgeMs,
        throughSeq,
      )
      db.close()
    }
    age(seqs[14]!)
    persistence.pruneChangeLog()
    expect(changeLog(file).map((entry) => entry.seq)).toEqual(seqs.slice(15))

    // All of them old: everything but the newest goes (its position is never handed out again).
    age(seqs.at(-1)!)
    persistence.pruneChangeLog()
    expect(changeLog(file).map((entry) => entry.seq)).toEqual([seqs.at(-1)])

    // The commit path prunes by itself within 64 commits, in the commit's own transaction.
    const before = changeLog(file).map((entry) => entry.seq)
    age(Number.MAX_SAFE_INTEGER)
    let pruned = false
    for (let i = 0; i < 64 && !pruned; i++) {
      c.insert({ id: `n${i}`, i })
      pruned = !changeLog(file).some((entry) => entry.seq === before[0])
    }
    expect(pruned).toBe(true)
    // Only the log was pruned: the newest entry stays, every row is on disk.
    expect(changeLog(file).length).toBeGreaterThan(0)
    expect(diskRows(file, 'log')).toEqual(rowsOf(c).map(defined).sort(byId))
    await c.cleanup()
    await persistence.close()
  })

  it('maxEntries: 0 disables count pruning', async () => {
    const file = tmp.file('unbounded.sqlite')
    const persistence = createNodeSQLitePersistence({
      path: file,
      pollIntervalMs: 0,
      changeLog: { maxEntries: 0 },
    })
    const c = createCollection(
      persistedCollectionOptions<Row, string>({ id: 'log', getKey: (r) => r.id, persistence }),
    )
    await c.preload()
    for (let i = 0; i < 200; i++) c.insert({ id: `k${i}`, i })
    persistence.pruneChangeLog()
    expect(changes(file)).toBe(200)
    await c.cleanup()
    await persistence.close()
  })
})
