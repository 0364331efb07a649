/**
 * "Main" in a child Node process: a SQLitePersistence on a real SQLite file
 * (better-sqlite3, via core's test driver), served with serveOperations; one
 * more per other file a request names (one process serving many databases
 * spares a process start per database).
 * Messages from the parent cross a real structured-clone boundary
 * (child_process.fork with serialization: 'advanced'). Started by harness.ts.
 */
import { createSQLitePersistence } from '../../src'
import { serveOperations, type OperationNotice, type OperationPeer } from '../../src/remote'
import { BetterSqliteTestDriver } from '../support/sqlite-test-driver'

export type ToServer =
  /** `file`: another database file than the one main was started on (default: that one). */
  | { t: 'request'; id: number; peer: { id: string; origin?: string }; request: unknown; file?: string }
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

/** One persistence and its server per file: main serves `path`, and any other file a request names. */
function serveFile(file: string) {
  const persistence = createSQLitePersistence({
    driver: new BetterSqliteTestDriver(file, mode),
    file,
    // Other processes writing the file are seen through the change log; the relay also polls after each write.
    pollIntervalMs: 50,
  })
  return serveOperations(persistence, {
    allowPeer: allowed ? (peer) => peer.origin === allowed : undefined,
    migrations: {
      'migrated-todos': (row, from) => (from === 1 ? { ...(row as object), migrated: true } : row),
    },
  })
}
const servers = new Map<string, ReturnType<typeof serveFile>>()
function serverFor(file = path): ReturnType<typeof serveFile> {
  let server = servers.get(file)
  if (!server) servers.set(file, (server = serveFile(file)))
  return server
}
serverFor()
const lose = new Map<string, number>()

process.on('message', (message: ToServer) => {
  if (message.t === 'request') {
    const peer: OperationPeer = {
      ...message.peer,
      notify: (notice) => send({ t: 'notice', peer: message.peer.id, notice }),
    }
    const op = (message.request as { op?: unknown } | null)?.op
    void serverFor(message.file)
      .handle(message.request, peer)
      .then((response) => {
        const left = typeof op === 'string' ? (lose.get(op) ?? 0) : 0
        if (left > 0) {
          lose.set(op as string, left - 1)
          send({ t: 'lost', id: message.id })
        } else send({ t: 'response', id: message.id, response })
      })
  } else if (message.t === 'disconnect')
    for (const server of servers.values()) server.disconnect(message.peer)
  else if (message.t === 'lose-answers') lose.set(message.op, message.count)
  else if (message.t === 'stop') for (const server of servers.values()) server.close()
})
send({ t: 'ready' })
