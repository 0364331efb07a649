/**
 * App lifecycle on op-sqlite's real JS API (Node builds of 15 and 18): every
 * acknowledged write is on disk when it is acknowledged; React StrictMode's
 * double mount and a JS bundle reload (two persistence objects on one
 * database, opened back to back) lose and double nothing and hit no
 * UNIQUE constraint; close() with writes pending finishes them or fails them
 * with a typed error, never leaves one hanging.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NotSQLiteFileError, PersistenceClosedError, PersistenceError } from '@persistdb/core'
import { createPersistence } from '../src/create'
import { eventually, keysOnDisk, NODE_BUILDS, openNotes, tempDir } from './helpers'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0

describe.each(NODE_BUILDS)('lifecycle on $label', (engine) => {
  const fresh = () => {
    const name = `life-${++n}.sqlite`
    return { name, file: join(tmp.dir, name) }
  }
  const persist = (name: string, pollIntervalMs = 0) =>
    createPersistence(engine.open, { name, location: tmp.dir, pollIntervalMs })

  it('every acknowledged write is on disk when it is acknowledged', async () => {
    const { name, file } = fresh()
    const persistence = persist(name)
    const notes = openNotes(persistence)
    await notes.preload()
    const acked: string[] = []
    for (let i = 0; i < 20; i++) {
      const id = `n${String(i).padStart(2, '0')}`
      await notes.insert({ id, text: `note ${i}` }).isPersisted.promise
      acked.push(id)
      // A separate connection (as after the app is killed): the row is in the file already.
      expect(keysOnDisk(file)).toEqual(acked)
    }
    await persistence.close()
  })

  it('StrictMode double mount: two persistence objects writing at once lose, double and refuse nothing', async () => {
    const { name, file } = fresh()
    // The first mount's object is never closed (a cleanup that forgot), the second opens right after it.
    const first = persist(name, 10)
    const second = persist(name, 10)
    const a = openNotes(first)
    const b = openNotes(second)
    await Promise.all([a.preload(), b.preload()])
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 30; i++) {
      writes.push(a.insert({ id: `a${i}`, text: 'first mount' }).isPersisted.promise)
      writes.push(b.insert({ id: `b${i}`, text: 'second mount' }).isPersisted.promise)
    }
    // Both mounts write the same new key before either has seen the other's.
    writes.push(a.insert({ id: 'shared', text: 'from a' }).isPersisted.promise)
    writes.push(b.insert({ id: 'shared', text: 'from b' }).isPersisted.promise)
    const outcomes = await Promise.allSettled(writes)
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])

    const expected = [...Array.from({ length: 30 }, (_, i) => [`a${i}`, `b${i}`]).flat(), 'shared'].sort()
    expect(keysOnDisk(file)).toEqual(expected)
    // Each mount sees the other's rows through the change log.
    await eventually(
      () => a.size === expected.length && b.size === expected.length,
      10_000,
      'both mounts in step',
    )
    expect(a.get('shared')?.text).toBe(b.get('shared')?.text)
    await Promise.all([first.close(), second.close()])

    const reopened = persist(name)
    const c = openNotes(reopened)
    await c.preload()
    expect([...c.keys()].map(String).sort()).toEqual(expected)
    await reopened.close()
  })

  it('StrictMode with cleanup: close() on unmount, the next mount opens at once, no write lost', async () => {
    const { name, file } = fresh()
    const first = persist(name)
    const a = openNotes(first)
    await a.preload()
    const pending = Array.from(
      { length: 25 },
      (_, i) => a.insert({ id: `a${i}`, text: 'x' }).isPersisted.promise,
    )
    const closing = first.close() // the effect's cleanup, with writes in flight
    const second = persist(name, 10)
    const b = openNotes(second)
    await b.preload()
    const settled = await Promise.allSettled(pending)
    await closing
    // close() finishes the writes core accepted; one the collection had not handed over yet fails typed.
    const acked = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [`a${i}`] : []))
    for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(PersistenceError)
    await b.insert({ id: 'b0', text: 'second mount' }).isPersisted.promise
    expect(keysOnDisk(file)).toEqual([...acked, 'b0'].sort())
    await eventually(
      () => b.size === acked.length + 1,
      10_000,
      "the second mount to see the first one's writes",
    )
    await second.close()
  })

  it('JS bundle reload: the old runtime vanishes mid-write; the new one has every acknowledged write', async () => {
    const { name, file } = fresh()
    const database = engine.open({ name, location: tmp.dir })
    const old = createPersistence(engine.open, { database, pollIntervalMs: 0 })
    const a = openNotes(old)
    await a.preload()
    for (let i = 0; i < 10; i++) await a.insert({ id: `old${i}`, text: 'acked' }).isPersisted.promise
    const inFlight = a.insert({ id: 'in-flight', text: 'never acknowledged' }).isPersisted.promise
    inFlight.catch(() => undefined)
    // The reload tears the old JS runtime down: op-sqlite closes its connection, nobody calls close().
    database.close()

    const fresh2 = persist(name)
    const b = openNotes(fresh2)
    await b.preload()
    const keys = [...b.keys()].map(String).sort()
    const acked = Array.from({ length: 10 }, (_, i) => `old${i}`)
    // All acknowledged writes are there; the one in flight is there whole or not at all.
    expect(keys.filter((k) => k !== 'in-flight')).toEqual(acked)
    if (keys.includes('in-flight')) expect(b.get('in-flight')?.text).toBe('never acknowledged')
    await b.insert({ id: 'new0', text: 'after reload' }).isPersisted.promise
    expect(keysOnDisk(file)).toContain('new0')
    await fresh2.close()
  })

  it('close() with writes pending: each finishes or fails typed; later writes are refused', async () => {
    const { name, file } = fresh()
    const persistence = persist(name)
    const notes = openNotes(persistence)
    await notes.preload()
    const pending = Array.from(
      { length: 40 },
      (_, i) => notes.insert({ id: `p${String(i).padStart(2, '0')}`, text: 'pending' }).isPersisted.promise,
    )
    await persistence.close()
    const settled = await Promise.allSettled(pending)
    const ok = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [`p${String(i).padStart(2, '0')}`] : []))
    for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(PersistenceError)
    // Exactly the acknowledged writes are on disk: none acknowledged and lost, none failed and kept.
    expect(keysOnDisk(file)).toEqual(ok)
    // A write after close is refused clearly, not lost quietly.
    const late = notes.insert({ id: 'late', text: 'after close' })
    await expect(late.isPersisted.promise).rejects.toMatchObject({
      code: 'PERSISTDB_WRITE_FAILED',
      cause: { code: 'PERSISTDB_CLOSED' },
    })
    expect(keysOnDisk(file)).not.toContain('late')
    expect(() => persistence.ready()).toThrow(PersistenceClosedError)
  })

  it('{ name } is opened and closed by PersistDB; { database } stays the caller’s', async () => {
    const own = engine.open({ name: `own-${++n}.sqlite`, location: tmp.dir })
    const borrowed = createPersistence(engine.open, { database: own, pollIntervalMs: 0 })
    await borrowed.ready()
    await borrowed.close()
    await expect(own.execute('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] })
    own.close()

    const { name, file } = fresh()
    const owned = persist(name)
    await owned.ready()
    await owned.close()
    // The file is a PersistDB database in WAL mode, and nothing holds it open.
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000')
    expect(readFileSync(file)[18]).toBe(2) // file format version 2: WAL
  })

  it('refuses a file that is not SQLite with a typed error and leaves it unchanged', async () => {
    const { name, file } = fresh()
    const bytes = Buffer.from('these are not the pages you are looking for'.repeat(100))
    writeFileSync(file, bytes)
    const persistence = persist(name)
    await expect(Promise.resolve().then(() => persistence.ready())).rejects.toBeInstanceOf(NotSQLiteFileError)
    await persistence.close()
    expect(readFileSync(file).equals(bytes)).toBe(true)
  })
})
