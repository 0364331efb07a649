/**
 * Exactly-once across the process boundary: lost answers are resent with the
 * same transaction id and applied once; a window that dies mid-commit blocks
 * nobody; a dead or stopped main fails fast with a typed error, and a
 * restarted main picks up where it left (harness.ts: main in a child process).
 */
import Database from 'better-sqlite3'
import { createCollection } from '@tanstack/db'
import { describe, expect, it } from 'vitest'
import { encodeValue, persistedCollectionOptions, PersistenceWriteError } from '../../src'
import { OPERATIONS_PROTOCOL, RemoteUnavailableError, type RemotePersistence } from '../../src/remote'
import { waitFor } from '../../../node/test/fixtures/synced-source'
import { useServers, type ServerProcess } from './harness'

interface Todo {
  id: string
  n: number
}

const servers = useServers('persistdb-once-')

function todos(persistence: RemotePersistence) {
  return createCollection(
    persistedCollectionOptions<Todo, string>({ id: 'todos', getKey: (t) => t.id, persistence }),
  )
}

/** What main's file holds: rows of `todos`, its change-log entries, recorded transaction ids. */
function disk(path: string): { rows: string[]; changes: number; applied: number } {
  const db = new Database(path, { readonly: true })
  try {
    const num = (
      db.prepare(`SELECT id FROM persistdb_collections WHERE name = 'todos'`).get() as { id: number }
    ).id
    const rows = db.prepare(`SELECT key FROM persistdb_c${num}_rows ORDER BY key`).all() as Array<{
      key: string
    }>
    const changes = db
      .prepare(`SELECT count(*) AS n FROM persistdb_changes WHERE collection = ?`)
      .get(num) as {
      n: number
    }
    const applied = db.prepare(`SELECT count(*) AS n FROM persistdb_remote_applied`).get() as { n: number }
    return { rows: rows.map((r) => r.key), changes: changes.n, applied: applied.n }
  } finally {
    db.close()
  }
}

/** A commit request as peer `peer` sends it raw (one row `id`), on the `todos` collection it opens first. */
async function rawCommit(server: ServerProcess, peer: string, txId: string, id: string, n: number) {
  const { num } = await server.connect(peer).openCollection({
    name: 'todos',
    kind: 'local',
    schemaVersion: 1,
    writerId: peer,
  })
  return {
    v: OPERATIONS_PROTOCOL,
    op: 'commit',
    collection: num,
    txId,
    writerId: `${peer}:1`,
    batch: { truncate: false, rows: [[id, encodeValue({ id, n }), null]], collectionMeta: [] },
  }
}

describe('exactly-once across the boundary', () => {
  it('applies a commit whose answer was lost once, and reports it applied', async () => {
    const server = await servers.start()
    const a = todos(server.connect('window-a'))
    await a.stateWhenReady()
    await a.insert({ id: 'first', n: 0 }).isPersisted.promise
    const before = disk(server.path)
    // Main applies the next two commits and their answers are lost: the client resends each.
    server.loseAnswers('commit', 2)
    await a.insert({ id: 'x', n: 1 }).isPersisted.promise
    await a.insert({ id: 'y', n: 2 }).isPersisted.promise
    const after = disk(server.path)
    expect(after.rows).toEqual(['first', 'x', 'y'])
    // One change-log entry and one recorded id per commit, though each was sent twice.
    expect(after.changes - before.changes).toBe(2)
    expect(after.applied - before.applied).toBe(2)
  })

  it('answers a resent commit "applied" without writing it again', async () => {
    const server = await servers.start()
    const a = todos(server.connect('window-a'))
    await a.stateWhenReady()
    const commit = await rawCommit(server, 'probe', 'resent-tx-0001', 'r', 1)
    const first = await server.request(commit, { id: 'probe' })
    const before = disk(server.path)
    const again = await server.request(commit, { id: 'probe' })
    expect(first).toMatchObject({ ok: true, value: { duplicate: false } })
    expect(again).toMatchObject({ ok: true, value: { duplicate: true } })
    expect(disk(server.path)).toEqual(before)
    await waitFor(() => a.has('r'), 'window a sees the commit once')
  })

  it('a window that dies with its commit in flight blocks no other window', async () => {
    const server = await servers.start()
    const a = todos(server.connect('window-a'))
    await a.stateWhenReady()
    const dying = server.request(await rawCommit(server, 'doomed', 'doomed-tx-0001', 'd', 9), {
      id: 'doomed',
    })
    server.disconnect('doomed')
    await a.insert({ id: 'alive', n: 1 }).isPersisted.promise
    await dying
    // The dead window's commit is whole or absent, never half: here it had reached main, so it is whole.
    expect(disk(server.path).rows).toEqual(['alive', 'd'])
  })

  it('fails fast with a typed error while main is down, and works again once it is back', async () => {
    const server = await servers.start()
    const persistenceA = server.connect('window-a')
    const persistenceB = server.connect('window-b')
    const a = todos(persistenceA)
    const b = todos(persistenceB)
    await Promise.all([a.stateWhenReady(), b.stateWhenReady()])
    await a.insert({ id: 'before', n: 1 }).isPersisted.promise
    await server.kill()
    const down = a.insert({ id: 'while-down', n: 2 })
    const error = await down.isPersisted.promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(PersistenceWriteError)
    expect((error as Error).cause).toBeInstanceOf(RemoteUnavailableError)

    await server.restart()
    // A window that made no request since learns that main is back from its transport.
    persistenceB.renewSubscriptions()
    await a.insert({ id: 'after', n: 3 }).isPersisted.promise
    expect(disk(server.path).rows).toEqual(['after', 'before'])
    // The failed write could not be re-read while main was down; memory comes back to the file now.
    await waitFor(() => !a.has('while-down'), 'the failed write left memory')
    await waitFor(() => b.has('after'), 'window b sees a commit made after the restart')
  })

  it('fails fast once main stopped serving', async () => {
    const server = await servers.start()
    const a = todos(server.connect('window-a'))
    await a.stateWhenReady()
    server.stopServing()
    const error = await a.insert({ id: 'late', n: 1 }).isPersisted.promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect((error as Error).cause).toBeInstanceOf(RemoteUnavailableError)
    expect((error as Error).cause).toMatchObject({ code: 'PERSISTDB_REMOTE_UNAVAILABLE' })
  })
})
