/**
 * Real @tanstack/db collections through a remote persistence whose file lives
 * in another process ("main", a child Node process on better-sqlite3), over a
 * real structured-clone boundary. See harness.ts.
 */
import Database from 'better-sqlite3'
import { createCollection, createLiveQueryCollection, gt, type Collection } from '@tanstack/db'
import { describe, expect, it } from 'vitest'
import { persistedCollectionOptions, SchemaVersionMismatchError } from '../../src'
import { waitFor } from '../../../node/test/fixtures/synced-source'
import { useServers, type ServerProcess } from './harness'

interface Todo {
  id: string
  title: string
  n: number
}

const servers = useServers('persistdb-remote-')

function todos(server: ServerProcess, window: string, extra: Record<string, unknown> = {}) {
  return createCollection(
    persistedCollectionOptions<Todo, string>({
      id: 'todos',
      getKey: (t) => t.id,
      persistence: server.connect(window),
      ...extra,
    }),
  )
}

/** Rows of a collection as main's file holds them (read in this process, read-only). */
function rowsOnDisk(path: string, name: string): Array<{ key: unknown; value: string }> {
  const db = new Database(path, { readonly: true })
  try {
    const found = db.prepare(`SELECT id FROM persistdb_collections WHERE name = ?`).get(name) as
      { id: number } | undefined
    if (!found) return []
    return db.prepare(`SELECT key, value FROM persistdb_c${found.id}_rows ORDER BY key`).all() as Array<{
      key: unknown
      value: string
    }>
  } finally {
    db.close()
  }
}

const sorted = (c: Collection<Todo, string>) =>
  [...c.values()].map(({ id, title, n }) => ({ id, title, n })).sort((a, b) => a.id.localeCompare(b.id))

describe.each(['sync', 'async'] as const)('remote persistence, main on a %s driver', (mode) => {
  it('persists a local-only collection in main and restores it in a new window', async () => {
    const server = await servers.start(mode)
    const a = todos(server, 'window-a')
    await a.stateWhenReady()
    const tx = a.insert([
      { id: 't1', title: 'one', n: 1 },
      { id: 't2', title: 'two', n: 2 },
    ])
    await tx.isPersisted.promise
    a.update('t1', (d) => void (d.title = 'uno'))
    await waitFor(
      () => rowsOnDisk(server.path, 'todos').some((r) => r.value.includes('uno')),
      'update on disk',
    )
    expect(rowsOnDisk(server.path, 'todos').map((r) => r.key)).toEqual(['t1', 't2'])

    const b = todos(server, 'window-b')
    await b.stateWhenReady()
    expect(sorted(b)).toEqual([
      { id: 't1', title: 'uno', n: 1 },
      { id: 't2', title: 'two', n: 2 },
    ])
    await a.cleanup()
    await b.cleanup()
  })

  it("shows every window the other windows' commits through notices", async () => {
    const server = await servers.start(mode)
    const a = todos(server, 'window-a')
    const b = todos(server, 'window-b')
    await Promise.all([a.stateWhenReady(), b.stateWhenReady()])
    await a.insert({ id: 'x', title: 'from a', n: 1 }).isPersisted.promise
    await waitFor(() => b.get('x')?.title === 'from a', 'b sees a insert')
    await b.update('x', (d) => void (d.title = 'edited by b')).isPersisted.promise
    await waitFor(() => a.get('x')?.title === 'edited by b', 'a sees b update')
    await b.delete('x').isPersisted.promise
    await waitFor(() => !a.has('x'), 'a sees b delete')
    expect(rowsOnDisk(server.path, 'todos')).toEqual([])
  })

  it('loads on-demand subsets in main from a live query description', async () => {
    const server = await servers.start(mode)
    const seed = todos(server, 'seed')
    await seed.stateWhenReady()
    await seed.insert(Array.from({ length: 30 }, (_, n) => ({ id: `t${n}`, title: `todo ${n}`, n })))
      .isPersisted.promise
    const onDemand = todos(server, 'window-b', { syncMode: 'on-demand' })
    const live = createLiveQueryCollection((q) =>
      q
        .from({ t: onDemand })
        .where(({ t }) => gt(t.n, 25))
        .orderBy(({ t }) => t.n, 'asc')
        .select(({ t }) => ({ id: t.id, n: t.n })),
    )
    await live.preload()
    await waitFor(() => live.size === 4, 'the subset loaded')
    expect([...live.values()].map((r) => r.n)).toEqual([26, 27, 28, 29])
    // Only the subset crossed the boundary.
    expect(onDemand.size).toBeLessThan(30)
    // Another window's new matching row arrives through a notice.
    await seed.insert({ id: 'late', title: 'late', n: 99 }).isPersisted.promise
    await waitFor(() => live.size === 5, 'the new row reached the live query')
  })

  it('rebuilds typed errors across the boundary', async () => {
    const server = await servers.start(mode)
    const a = todos(server, 'window-a')
    await a.stateWhenReady()
    await a.insert({ id: 'k', title: 'kept', n: 1 }).isPersisted.promise
    const b = todos(server, 'window-b', { schemaVersion: 2 })
    b.startSyncImmediate()
    await waitFor(() => b.status === 'error', 'b errors')
    const failure = b.utils.getPersistenceStatus().error
    expect(failure).toBeInstanceOf(SchemaVersionMismatchError)
    expect(failure).toMatchObject({
      code: 'PERSISTDB_SCHEMA_VERSION_MISMATCH',
      collectionId: 'todos',
      storedVersion: 1,
      requestedVersion: 2,
    })
    expect(rowsOnDisk(server.path, 'todos').map((r) => r.key)).toEqual(['k'])
  })
})

describe('remote persistences sharing one window', () => {
  it("keeps each persistence's notices when another one in the window stops listening", async () => {
    const server = await servers.start()
    // Two remote persistences in one window: main knows them by the same peer id.
    const first = todos(server, 'window-a')
    const second = todos(server, 'window-a')
    const other = todos(server, 'window-b')
    await Promise.all([first.stateWhenReady(), second.stateWhenReady(), other.stateWhenReady()])
    await other.insert({ id: 'x', title: 'both see it', n: 1 }).isPersisted.promise
    await waitFor(() => first.has('x') && second.has('x'), 'both persistences see the commit')
    await first.cleanup()
    await other.insert({ id: 'y', title: 'after the first stopped', n: 2 }).isPersisted.promise
    await waitFor(() => second.has('y'), 'the second persistence still hears commits')
    await second.cleanup()
    await other.cleanup()
  })
})
