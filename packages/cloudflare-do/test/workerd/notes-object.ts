/**
 * A Durable Object written the way an application writes one with PersistDB:
 * the persistence and its collections are made in the constructor under
 * `blockConcurrencyWhile`, requests, alarms and hibernatable WebSockets read
 * and write the collections. Used by the workerd tests (lifecycle) and, bundled,
 * by the Node test that restarts workerd (restart.test.ts).
 */
import { BasicIndex, createCollection, createLiveQueryCollection, type Collection } from '@tanstack/db'
import { DurableObject } from 'cloudflare:workers'
import { createCloudflareDOSQLitePersistence, persistedCollectionOptions } from '../../src'

export interface Note {
  id: string
  text: string
  at: Date
}

export interface LogEvent {
  id: string
  at: number
  body: string
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } })

export class NotesObject extends DurableObject {
  private notes!: Collection<Note, string>
  private events!: Collection<LogEvent, string>
  /** How many notes were restored before the first request was let in. */
  private restored = 0

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never)
    // No request or alarm reaches the object before its collections are restored.
    void ctx.blockConcurrencyWhile(async () => {
      const persistence = createCloudflareDOSQLitePersistence({ storage: ctx.storage })
      this.notes = createCollection(
        persistedCollectionOptions<Note, string>({ id: 'notes', getKey: (n) => n.id, persistence }),
      )
      await this.notes.preload()
      this.restored = this.notes.size
      this.events = createCollection(
        persistedCollectionOptions<LogEvent, string>({
          id: 'events',
          getKey: (e) => e.id,
          persistence,
          syncMode: 'on-demand',
          defaultIndexType: BasicIndex,
        }),
      )
      this.events.createIndex((e) => e.at)
    })
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const route = `${request.method} ${url.pathname}`
    switch (route) {
      case 'GET /notes':
        return json({
          restored: this.restored,
          notes: [...this.notes.values()].map((n) => ({ id: n.id, text: n.text, at: n.at.getTime() })),
        })
      case 'POST /notes': {
        const { id, text } = (await request.json()) as { id: string; text: string }
        // Synchronous driver: the row is in SQLite when insert() returns; the output gate holds this
        // response until workerd has made that write durable.
        this.notes.insert({ id, text, at: new Date() })
        return json({ size: this.notes.size }, 201)
      }
      case 'POST /events': {
        const count = Number(url.searchParams.get('count'))
        const from = Number(url.searchParams.get('from') ?? 0)
        const batch = Array.from({ length: count }, (_, i) => ({
          id: `e${from + i}`,
          at: from + i,
          body: `event ${from + i}`,
        }))
        await this.events.insert(batch).isPersisted.promise
        return json({ inserted: count }, 201)
      }
      case 'GET /events/latest': {
        const ids = await this.latestEvents(Number(url.searchParams.get('limit') ?? 50))
        // `loaded`: rows in memory after the query (on-demand: only what it needed).
        return json({ ids, loaded: this.events.size })
      }
      case 'POST /alarm':
        await this.ctx.storage.setAlarm(Date.now() + 60_000)
        return json({ scheduled: true })
      case 'GET /ws': {
        const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
        this.ctx.acceptWebSocket(server)
        return new Response(null, { status: 101, webSocket: client })
      }
    }
    return json({ error: `no route ${route}` }, 404)
  }

  /** The newest events, answered by SQLite through the index on `at` (on-demand: nothing preloaded). */
  private async latestEvents(limit: number): Promise<string[]> {
    const live = createLiveQueryCollection((q) =>
      q
        .from({ e: this.events })
        .orderBy(({ e }) => e.at, 'desc')
        .limit(limit),
    )
    try {
      return (await live.toArrayWhenReady()).map((e) => e.id)
    } finally {
      await live.cleanup()
    }
  }

  override alarm(): void {
    this.notes.insert({
      id: `alarm-${this.notes.size}`,
      text: `alarm saw ${this.notes.size} notes`,
      at: new Date(),
    })
  }

  /** A hibernatable WebSocket: the object may have been evicted and rebuilt (constructor) before this runs. */
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const { id, text } = JSON.parse(String(message)) as { id: string; text: string }
    this.notes.insert({ id, text, at: new Date() })
    ws.send(JSON.stringify({ size: this.notes.size, restored: this.restored }))
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    ws.close(code, 'closed')
  }
}
