/**
 * The synced list's server: a small JSON endpoint that Vite mounts at
 * /api/shared-todos. It keeps its rows in memory (a stand-in for a real
 * backend) and can be taken down, so the example and its tests can show what
 * PersistDB does while the server is unreachable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Plugin } from 'vite'

export interface SharedTodo {
  id: string
  text: string
  createdAt: number
}

export interface TodoApi {
  /** Rows the server holds, oldest first. */
  readonly rows: SharedTodo[]
  /** While down, every request's connection is dropped, as if the server were gone. */
  setOnline(online: boolean): void
  readonly online: boolean
  /** How many requests were dropped while down. */
  readonly dropped: number
  /** Connect-style middleware serving GET and POST /api/shared-todos. */
  handle(req: IncomingMessage, res: ServerResponse, next: () => void): void
}

export const SHARED_TODOS_PATH = '/api/shared-todos'

export function createTodoApi(seed: SharedTodo[] = []): TodoApi {
  const rows = [...seed]
  let online = true
  let dropped = 0
  return {
    rows,
    get online() {
      return online
    },
    get dropped() {
      return dropped
    },
    setOnline(next) {
      online = next
    },
    handle(req, res, next) {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== SHARED_TODOS_PATH) return next()
      if (!online) {
        dropped++
        req.socket.destroy()
        return
      }
      if (req.method === 'GET') return send(res, 200, rows)
      if (req.method !== 'POST') return send(res, 405, { error: 'GET or POST' })
      readJson(req).then(
        (body) => {
          const todo = body as Partial<SharedTodo>
          if (
            typeof todo.id !== 'string' ||
            typeof todo.text !== 'string' ||
            typeof todo.createdAt !== 'number'
          )
            return send(res, 400, { error: 'expected {id, text, createdAt}' })
          if (!rows.some((row) => row.id === todo.id))
            rows.push({ id: todo.id, text: todo.text, createdAt: todo.createdAt })
          send(res, 201, todo)
        },
        () => send(res, 400, { error: 'body is not JSON' }),
      )
    },
  }
}

/** Mounts the API on Vite's dev server. */
export function todoApiPlugin(api: TodoApi): Plugin {
  return {
    name: 'persistdb-example-todo-api',
    configureServer(server) {
      server.middlewares.use((req, res, next) => api.handle(req, res, next))
    },
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}
