/**
 * "Main" in a child Node process: one SQLitePersistence on a real SQLite file
 * (better-sqlite3, via core's test driver), served with serveOperations.
 * Messages from the parent cross a real structured-clone boundary
 * (child_process.fork with serialization: 'advanced'). Started by harness.ts.
 */
import { createSQLitePersistence } from '../../src'
import { serveOperations, type OperationNotice, type OperationPeer } from '../../src/remote'
import { BetterSqliteTestDriver } from '../support/sqlite-test-driver'

export type ToServer =
  | { t: 'request'; id: number; peer: { id: string; origin?: string }; request: unknown }
  | { t: 'disconnect'; peer: string }
  /** Test hook: apply the next `count` requests of kind `op`, then lose their answers. */
  | { t: 'lose-answers'; op: string; count: number }
  | { t: 'stop' }

export type FromServer =
  | { t: 'ready' }
  | { t: 'response'; id: number; response: unknown }
  /** The answer to request `id` was lost (test hook): the transport reports it as such. */
  | { t: 'lost'; id: number }
  | { t: 'notice'; peer: string; notice: OperationNotice }

const [path, mode, allowed] = process.argv.slice(2) as [string, 'sync' | 'async', string | undefined]
const send = (message: FromServer) => process.send!(message)

const persistence = createSQLitePersistence({
  driver: new BetterSqliteTestDriver(path, mode),
  file: path,
  // Other processes writing the file are seen through the change log; the relay also polls after each write.
  pollIntervalMs: 50,
})
const server = serveOperations(persistence, {
  allowPeer: allowed ? (peer) => peer.origin === allowed : undefined,
  migrations: {
    'migrated-todos': (row, from) => (from === 1 ? { ...(row as object), migrated: true } : row),
  },
})
const lose = new Map<string, number>()

process.on('message', (message: ToServer) => {
  if (message.t === 'request') {
    const peer: OperationPeer = {
      ...message.peer,
      notify: (notice) => send({ t: 'notice', peer: message.peer.id, notice }),
    }
    const op = (message.request as { op?: unknown } | null)?.op
    void server.handle(message.request, peer).then((response) => {
      const left = typeof op === 'string' ? (lose.get(op) ?? 0) : 0
      if (left > 0) {
        lose.set(op as string, left - 1)
        send({ t: 'lost', id: message.id })
      } else send({ t: 'response', id: message.id, response })
    })
  } else if (message.t === 'disconnect') server.disconnect(message.peer)
  else if (message.t === 'lose-answers') lose.set(message.op, message.count)
  else if (message.t === 'stop') server.close()
})
send({ t: 'ready' })
