/** One chat message as the room's collection stores it. */
export interface Message {
  id: string
  /** The room's clock in ms: strictly increasing within a room, so "latest" has one answer. */
  ts: number
  author: string
  text: string
}

/** What a client posts. */
export interface NewMessage {
  author: string
  text: string
}

export const MAX_AUTHOR_LENGTH = 64
export const MAX_TEXT_LENGTH = 4_000

/** A request the Worker refuses with a 4xx status and a JSON body naming the problem. */
export class BadRequest extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 413,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'BadRequest'
  }
}

/** Checks a posted body: both fields strings of bounded length, nothing else trusted. */
export function parseNewMessage(body: unknown): NewMessage {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequest(400, 'BAD_BODY', 'Send a JSON object {"author": string, "text": string}.')
  }
  const { author, text } = body as Record<string, unknown>
  if (typeof author !== 'string' || author.length === 0 || author.length > MAX_AUTHOR_LENGTH) {
    throw new BadRequest(
      400,
      'BAD_AUTHOR',
      `"author" must be a string of 1 to ${MAX_AUTHOR_LENGTH} characters.`,
    )
  }
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT_LENGTH) {
    throw new BadRequest(400, 'BAD_TEXT', `"text" must be a string of 1 to ${MAX_TEXT_LENGTH} characters.`)
  }
  return { author, text }
}

/** The stored fields only: live query rows also carry TanStack DB's virtual `$`-props. */
export function toWire({ id, ts, author, text }: Message): Message {
  return { id, ts, author, text }
}
