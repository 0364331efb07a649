import type { DurableObjectState } from '@cloudflare/workers-types/index.ts'
import { BasicIndex, createCollection, createLiveQueryCollection, lt } from '@tanstack/db'
import { createCloudflareDOSQLitePersistence, persistedCollectionOptions } from '@persistdb/cloudflare-do'
import { BadRequest, parseNewMessage, toWire, type Message } from './message'
import { errorResponse, json } from './routes'

export interface Env {
  /** Set to "1" only where the bulk seed endpoint may be used (the local demo and tests). */
  ALLOW_SEED?: string
}

export const LATEST_COUNT = 50
const MAX_PAGE = 1_000
const MAX_SEED = 10_000

function openMessages(ctx: DurableObjectState) {
  // One persistence per object, on the object's own SQLite database. Nothing lives at module scope:
  // every object of this class shares one isolate.
  const persistence = createCloudflareDOSQLitePersistence({ storage: ctx.storage })
  const messages = createCollection(
    persistedCollectionOptions<Message, string>({
      id: 'messages',
      getKey: (message) => message.id,
      persistence,
      schemaVersion: 1,
      // Only what queries ask for is loaded: a room with 100k messages starts with the latest 50 in memory.
      syncMode: 'on-demand',
      defaultIndexType: BasicIndex,
    }),
  )
  // Also a SQLite expression index: "latest N" and "before ts" are index range reads.
  messages.createIndex((message) => message.ts)
  const latest = createLiveQueryCollection({
    query: (q) =>
      q
        .from({ message: messages })
        .orderBy(({ message }) => message.ts, 'desc')
        .limit(LATEST_COUNT),
    // Kept for the object's life: the default (5 s without subscribers) would clean it up between requests,
    // and its timer would keep the object awake. (Local-only collections never start one.)
    gcTime: 0,
  })
  return { messages, latest }
}

type Opened = ReturnType<typeof openMessages>

/** One chat room: a Durable Object whose messages live in its own SQLite database through PersistDB. */
export class Room {
  private opened: Opened | undefined
  /** The room's clock: the last ts handed out. Date.now() stands still within a request in workerd. */
  private lastTs = 0

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    // No request reaches fetch() before the collection and its live query are restored from SQLite.
    void ctx.blockConcurrencyWhile(async () => {
      const opened = openMessages(ctx)
      await opened.latest.preload()
      this.lastTs = opened.latest.toArray[0]?.ts ?? 0
      this.opened = opened
    })
  }

  async fetch(request: Request): Promise<Response> {
    try {
      const opened = this.opened
      if (!opened) throw new Error('The room did not open: see the error logged at startup.')
      const url = new URL(request.url)
      const action = url.pathname.split('/')[3]
      if (action === 'messages' && request.method === 'GET') return await this.read(opened, url)
      if (action === 'messages' && request.method === 'POST') return await this.post(opened, request)
      if (action === 'seed' && request.method === 'POST' && this.env.ALLOW_SEED === '1') {
        return await this.seed(opened, request)
      }
      throw new BadRequest(405, 'METHOD_NOT_ALLOWED', `${request.method} ${url.pathname} is not a route.`)
    } catch (error) {
      return errorResponse(error)
    }
  }

  private nextTs(): number {
    this.lastTs = Math.max(Date.now(), this.lastTs + 1)
    return this.lastTs
  }

  /** Latest 50 from the live query kept in memory; `?before=ts&limit=n` pages older messages from SQLite. */
  private async read({ messages, latest }: Opened, url: URL): Promise<Response> {
    const before = url.searchParams.get('before')
    if (before === null) {
      // Never answer "no messages" from a query that stopped: say so instead.
      if (latest.status !== 'ready') throw new Error(`The latest-messages query is ${latest.status}.`)
      return json({ messages: latest.toArray.map(toWire) })
    }
    const beforeTs = Number(before)
    const limit = Number(url.searchParams.get('limit') ?? LATEST_COUNT)
    if (!Number.isFinite(beforeTs) || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new BadRequest(400, 'BAD_PAGE', `?before must be a number and ?limit an integer 1..${MAX_PAGE}.`)
    }
    const page = createLiveQueryCollection({
      query: (q) =>
        q
          .from({ message: messages })
          .where(({ message }) => lt(message.ts, beforeTs))
          .orderBy(({ message }) => message.ts, 'desc')
          .limit(limit),
      gcTime: 0,
    })
    try {
      return json({ messages: (await page.toArrayWhenReady()).map(toWire) })
    } finally {
      await page.cleanup()
    }
  }

  /** A collection insert, committed to SQLite before insert() returns; the output gate holds the response until it is durable. */
  private async post({ messages }: Opened, request: Request): Promise<Response> {
    const body = parseNewMessage(await readJson(request))
    const message: Message = { id: crypto.randomUUID(), ts: this.nextTs(), ...body }
    await messages.insert(message).isPersisted.promise
    return json({ message }, 201)
  }

  /** Many messages in one collection transaction (one SQLite transaction): how the demo stores 100k quickly. */
  private async seed({ messages }: Opened, request: Request): Promise<Response> {
    const body = await readJson(request)
    const count = typeof body === 'object' && body !== null ? (body as { count?: unknown }).count : undefined
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_SEED) {
      throw new BadRequest(400, 'BAD_COUNT', `Send {"count": n} with n an integer 1..${MAX_SEED}.`)
    }
    const batch: Message[] = []
    for (let i = 0; i < count; i++) {
      batch.push({ id: crypto.randomUUID(), ts: this.nextTs(), author: 'seed', text: `seeded message ${i}` })
    }
    await messages.insert(batch).isPersisted.promise
    return json({ inserted: count, lastTs: this.lastTs }, 201)
  }
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json()
  } catch {
    throw new BadRequest(400, 'BAD_JSON', 'The request body is not JSON.')
  }
}
