import type { Message, NewMessage } from '../src/message'

/** The part of fetch the client uses: global fetch, or Miniflare's dispatchFetch. */
export type HttpFetch = (url: URL, init?: { method?: string; body?: string }) => Promise<HttpResponse>
export interface HttpResponse {
  status: number
  text(): Promise<string>
}

/** A thin HTTP client for the rooms Worker, as the demo and the tests drive it. */
export class RoomsClient {
  constructor(
    readonly baseUrl: URL,
    private readonly fetch: HttpFetch = globalThis.fetch,
  ) {}

  private url(room: string, path: string): URL {
    return new URL(`rooms/${encodeURIComponent(room)}/${path}`, this.baseUrl)
  }

  /** Posts one message; resolves with the stored message (its id and the room's ts). */
  async post(room: string, message: NewMessage): Promise<Message> {
    const response = await this.fetch(this.url(room, 'messages'), {
      method: 'POST',
      body: JSON.stringify(message),
    })
    return ((await expectStatus(response, 201)) as { message: Message }).message
  }

  /** The room's latest 50 messages, newest first. */
  async latest(room: string): Promise<Message[]> {
    const response = await this.fetch(this.url(room, 'messages'))
    return ((await expectStatus(response, 200)) as { messages: Message[] }).messages
  }

  /** Up to `limit` messages older than `beforeTs`, newest first (read from SQLite on demand). */
  async page(room: string, beforeTs: number, limit: number): Promise<Message[]> {
    const response = await this.fetch(this.url(room, `messages?before=${beforeTs}&limit=${limit}`))
    return ((await expectStatus(response, 200)) as { messages: Message[] }).messages
  }

  /** Every message of a room, newest first, paging down the ts index. */
  async all(room: string, pageSize = 1_000): Promise<Message[]> {
    const out: Message[] = []
    let before = Number.MAX_SAFE_INTEGER
    for (;;) {
      const page = await this.page(room, before, pageSize)
      out.push(...page)
      if (page.length < pageSize) return out
      before = page[page.length - 1]!.ts
    }
  }

  /** Bulk insert (only when the Worker runs with ALLOW_SEED=1): `count` messages in one transaction. */
  async seed(room: string, count: number): Promise<{ inserted: number; lastTs: number }> {
    const response = await this.fetch(this.url(room, 'seed'), {
      method: 'POST',
      body: JSON.stringify({ count }),
    })
    return (await expectStatus(response, 201)) as { inserted: number; lastTs: number }
  }
}

/** Thrown when the Worker answers with another status than expected; carries the body's error code. */
export class UnexpectedResponse extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body}`)
    this.name = 'UnexpectedResponse'
  }
}

async function expectStatus(response: HttpResponse, status: number): Promise<unknown> {
  const body = await response.text()
  if (response.status !== status) throw new UnexpectedResponse(response.status, body)
  return JSON.parse(body) as unknown
}
