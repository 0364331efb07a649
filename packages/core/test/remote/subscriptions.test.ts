/**
 * Subscriptions on the operation server (in process, on a real SQLite file):
 * one per client and collection, several clients per peer, and a cap per peer.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { createSQLitePersistence } from '../../src'
import {
  OPERATIONS_PROTOCOL as v,
  reviveOperationError,
  serveOperations,
  type OperationNotice,
  type OperationResponse,
} from '../../src/remote'
import { BetterSqliteTestDriver } from '../support/sqlite-test-driver'

const dir = mkdtempSync(join(tmpdir(), 'persistdb-subscriptions-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function ok(response: OperationResponse): unknown {
  if (!response.ok) throw reviveOperationError(response.error)
  return response.value
}

it('holds at most maxSubscriptionsPerPeer per peer; a renewed one is not counted again', async () => {
  const path = join(dir, 'cap.sqlite')
  const persistence = createSQLitePersistence({
    driver: new BetterSqliteTestDriver(path, 'sync'),
    file: path,
  })
  const server = serveOperations(persistence, { limits: { maxSubscriptionsPerPeer: 2 } })
  const notices: OperationNotice[] = []
  const peer = { id: 'window', notify: (notice: OperationNotice) => notices.push(notice) }
  const open = {
    v,
    op: 'open',
    name: 'todos',
    kind: 'local',
    schemaVersion: 1,
    writerId: 'w',
    initialRows: [],
  }
  const { num } = ok(await server.handle(open, peer)) as { num: number }
  const subscribe = (client: string) =>
    server.handle({ v, op: 'subscribe', collection: num, fromSeq: 0, client }, peer)

  ok(await subscribe('a'))
  ok(await subscribe('b'))
  ok(await subscribe('a'))
  const refused = await subscribe('c')
  expect(refused.ok).toBe(false)
  expect(!refused.ok && reviveOperationError(refused.error)).toMatchObject({
    code: 'PERSISTDB_REMOTE_REFUSED',
    reason: 'too-large',
  })
  ok(await server.handle({ v, op: 'unsubscribe', collection: num, client: 'a' }, peer))
  ok(await subscribe('c'))

  // Each subscribed client is told of a commit once, by name: here b and c, not a.
  const commit = {
    v,
    op: 'commit',
    collection: num,
    txId: 'tx-00000001',
    writerId: 'other',
    batch: { truncate: false, rows: [], collectionMeta: [['k', '1']] },
  }
  ok(await server.handle(commit, peer))
  await expect
    .poll(() => notices.map((n) => (n.kind === 'failed' ? 'failed' : n.client)).sort())
    .toEqual(['b', 'c'])
  server.close()
  await persistence.close()
})
