/**
 * A client is untrusted (an Electron renderer may be compromised): whatever it
 * sends, main accepts only what PersistDB itself sends. Each refused request
 * gets a typed error and leaves the file byte-identical. Requests cross a real
 * structured-clone boundary to main in a child process (harness.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeValue } from '../../src'
import {
  reviveOperationError,
  OPERATIONS_PROTOCOL,
  RemoteRequestRefusedError,
  type OperationResponse,
} from '../../src/remote'
import { ServerProcess } from './harness'

const dir = mkdtempSync(join(tmpdir(), 'persistdb-hostile-'))
const path = join(dir, 'main.sqlite')
const evil = join(dir, 'evil.sqlite')
const peer = { id: 'renderer-1', origin: 'app://persistdb' }
let server: ServerProcess
let todos: number

beforeAll(async () => {
  server = await ServerProcess.start(path, 'sync', 'app://persistdb')
  const opened = await server.request(
    {
      v: OPERATIONS_PROTOCOL,
      op: 'open',
      name: 'todos',
      kind: 'local',
      schemaVersion: 1,
      writerId: 'w',
      initialRows: [['a', encodeValue({ id: 'a' }), null]],
    },
    peer,
  )
  todos = (ok(opened) as { num: number }).num
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

function ok(response: OperationResponse): unknown {
  if (!response.ok) throw reviveOperationError(response.error)
  return response.value
}

/** The database file and its WAL, byte for byte. */
function fileBytes(): Buffer[] {
  return [path, `${path}-wal`].map((f) => (existsSync(f) ? readFileSync(f) : Buffer.alloc(0)))
}

function tablesOnDisk(): string[] {
  const db = new Database(path, { readonly: true })
  try {
    return (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{
        name: string
      }>
    ).map((r) => r.name)
  } finally {
    db.close()
  }
}

async function expectRefused(
  request: unknown,
  reason: string,
  from: { id: string; origin?: string } = peer,
): Promise<void> {
  const before = fileBytes()
  const response = await server.request(request, from)
  expect(response.ok).toBe(false)
  if (response.ok) return
  const error = reviveOperationError(response.error)
  expect(error).toBeInstanceOf(RemoteRequestRefusedError)
  expect(error).toMatchObject({ code: 'PERSISTDB_REMOTE_REFUSED', reason })
  expect(fileBytes()).toEqual(before)
}

const v = OPERATIONS_PROTOCOL
const commit = (batch: unknown, extra: Record<string, unknown> = {}) => ({
  v,
  op: 'commit',
  collection: todos,
  txId: 'tx-0000000001',
  writerId: 'w',
  batch,
  ...extra,
})
const row = (key: string) => [key, encodeValue({ id: key }), null]

describe('a hostile client', () => {
  it('answers a well-formed request (so every refusal below is the validation, not a dead server)', async () => {
    const rows = ok(await server.request({ v, op: 'rows', collection: todos, keys: null }, peer))
    expect(rows).toEqual([['a', encodeValue({ id: 'a' }), null]])
  })

  it('cannot send SQL, PRAGMA or ATTACH as an operation', async () => {
    await expectRefused({ v, op: 'sql', sql: 'DROP TABLE persistdb_collections' }, 'malformed')
    await expectRefused({ v, op: 'exec', sql: 'PRAGMA journal_mode = DELETE' }, 'malformed')
    await expectRefused({ v, op: 'ready', sql: `ATTACH DATABASE '${evil}' AS evil` }, 'malformed')
    await expectRefused({ v, op: 'rows', collection: todos, keys: null, path: evil }, 'malformed')
    expect(existsSync(evil)).toBe(false)
  })

  it('cannot reach a table that is not a PersistDB collection', async () => {
    await expectRefused({ v, op: 'rows', collection: 999, keys: null }, 'unknown-collection')
    for (const collection of ['1 OR 1=1', 'sqlite_master', -1, 0, 1.5, null, { num: 1 }]) {
      await expectRefused({ v, op: 'snapshot', collection, withRows: true }, 'malformed')
    }
  })

  it('keeps SQL-looking collection ids, keys and field paths as data', async () => {
    const name = `x"; DROP TABLE persistdb_collections; ATTACH DATABASE '${evil}' AS e; --`
    const opened = ok(
      await server.request(
        { v, op: 'open', name, kind: 'local', schemaVersion: 1, writerId: 'w', initialRows: [] },
        peer,
      ),
    ) as { num: number }
    const key = `k') OR 1=1; --`
    ok(
      await server.request(
        commit({ truncate: false, rows: [row(key)], collectionMeta: [] }, { collection: opened.num }),
        peer,
      ),
    )
    const read = ok(await server.request({ v, op: 'rows', collection: opened.num, keys: [key] }, peer))
    expect(read).toEqual([[key, encodeValue({ id: key }), null]])
    const subset = ok(
      await server.request(
        {
          v,
          op: 'subset',
          collection: todos,
          request: {
            where: {
              t: 'func',
              name: 'eq',
              args: [
                { t: 'ref', path: [`id') OR 1=1 --`] },
                { t: 'val', value: `' OR '1'='1` },
              ],
            },
          },
        },
        peer,
      ),
    ) as { rows: unknown[] }
    expect(subset.rows).toEqual([])
    expect(tablesOnDisk()).toContain('persistdb_collections')
    expect(existsSync(evil)).toBe(false)
    const db = new Database(path, { readonly: true })
    expect(db.prepare(`SELECT count(*) AS n FROM persistdb_collections WHERE name = ?`).get(name)).toEqual({
      n: 1,
    })
    db.close()
  })

  it('cannot send a malformed query description or an unknown function', async () => {
    const subset = (request: unknown) => ({ v, op: 'subset', collection: todos, request })
    const eq = (left: unknown) => ({ where: { t: 'func', name: 'eq', args: [left, { t: 'val', value: 1 }] } })
    await expectRefused(subset({ where: { t: 'func', name: 'load_extension', args: [] } }), 'malformed')
    await expectRefused(subset({ where: { t: 'sql', text: '1=1' } }), 'malformed')
    await expectRefused(subset(eq({ t: 'ref', path: [1] })), 'malformed')
    await expectRefused(subset(eq({ t: 'ref', path: [] })), 'malformed')
    await expectRefused(subset(eq({ t: 'val', value: { toString: 'x' } })), 'malformed')
    await expectRefused(subset({ limit: -1 }), 'malformed')
    await expectRefused(
      subset({ orderBy: [{ expression: { t: 'ref', path: ['id'] }, direction: 'up', nulls: 'first' }] }),
      'malformed',
    )
    // Too deep / too large: a tree of 100 nested `not`s.
    let deep: unknown = { t: 'ref', path: ['done'] }
    for (let i = 0; i < 100; i++) deep = { t: 'func', name: 'not', args: [deep] }
    await expectRefused(subset({ where: deep }), 'malformed')
    await expectRefused(
      { v, op: 'ensureIndex', collection: todos, expression: { t: 'func', name: 'random', args: [] } },
      'malformed',
    )
  })

  it('cannot send oversized or malformed payloads', async () => {
    await expectRefused(
      commit({
        truncate: false,
        rows: Array.from({ length: 20_001 }, (_, i) => row(`k${i}`)),
        collectionMeta: [],
      }),
      'too-large',
    )
    await expectRefused(
      commit({ truncate: false, rows: [['big', 'x'.repeat(8 * 1024 * 1024 + 1), null]], collectionMeta: [] }),
      'too-large',
    )
    await expectRefused(
      {
        v,
        op: 'open',
        name: 'n'.repeat(257),
        kind: 'local',
        schemaVersion: 1,
        writerId: 'w',
        initialRows: [],
      },
      'too-large',
    )
    for (const request of [null, 42, 'ready', [], [v, 'ready'], { op: 'ready' }]) {
      await expectRefused(
        request,
        request !== null && typeof request === 'object' && !Array.isArray(request) ? 'protocol' : 'malformed',
      )
    }
    await expectRefused(
      commit({ truncate: false, rows: [['k', 'not an encoded value', null]], collectionMeta: [] }),
      'malformed',
    )
    await expectRefused(commit({ truncate: false, rows: [['k', null]], collectionMeta: [] }), 'malformed')
    await expectRefused(
      commit({ truncate: false, rows: [[{ k: 1 }, null, null]], collectionMeta: [] }),
      'malformed',
    )
    await expectRefused(commit({ truncate: 'yes', rows: [], collectionMeta: [] }), 'malformed')
    await expectRefused(commit({ truncate: false, rows: [], collectionMeta: [] }, { txId: 'x' }), 'malformed')
    // A subscription names its client (one peer may hold several remote persistences).
    await expectRefused({ v, op: 'subscribe', collection: todos, fromSeq: 0 }, 'malformed')
    await expectRefused({ v, op: 'subscribe', collection: todos, fromSeq: 0, client: '' }, 'malformed')
    await expectRefused({ v, op: 'unsubscribe', collection: todos, client: 7 }, 'malformed')
    await expectRefused({ v: 99, op: 'ready' }, 'protocol')
  })

  it('cannot pollute prototypes through keys such as __proto__ and constructor', async () => {
    await expectRefused(JSON.parse(`{"v":${v},"op":"ready","__proto__":{"polluted":true}}`), 'malformed')
    await expectRefused(
      commit(JSON.parse(`{"truncate":false,"rows":[],"collectionMeta":[],"__proto__":{"truncate":true}}`)),
      'malformed',
    )
    await expectRefused(
      commit({ truncate: false, rows: [['k', null, { keep: true, constructor: 1 }]], collectionMeta: [] }),
      'malformed',
    )
    await expectRefused(
      {
        v,
        op: 'subset',
        collection: todos,
        request: JSON.parse('{"where":{"t":"ref","path":["a"],"__proto__":{}}}'),
      },
      'malformed',
    )
  })

  it('is refused when it is not an allowed sender, whatever it sends', async () => {
    const forged = { id: 'renderer-2', origin: 'https://evil.example' }
    await expectRefused({ v, op: 'rows', collection: todos, keys: null }, 'forbidden-sender', forged)
    await expectRefused(commit({ truncate: true, rows: [], collectionMeta: [] }), 'forbidden-sender', forged)
    await expectRefused({ v, op: 'drop', name: 'todos' }, 'forbidden-sender', { id: 'renderer-3' })
  })
})
