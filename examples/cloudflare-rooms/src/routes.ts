import { BadRequest } from './message'

/** Room names become Durable Object names: bounded and plain, so a hostile path cannot address anything else. */
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/

export type RoomAction = 'messages' | 'seed'

export interface RoomRoute {
  roomId: string
  action: RoomAction
}

/** `/rooms/:id/messages` and `/rooms/:id/seed`; anything else is a 404. */
export function parseRoomRoute(pathname: string): RoomRoute {
  const parts = pathname.split('/')
  // ['', 'rooms', id, action]
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== 'rooms') {
    throw new BadRequest(404, 'NOT_FOUND', 'Routes: GET|POST /rooms/:id/messages, POST /rooms/:id/seed.')
  }
  let roomId: string
  try {
    roomId = decodeURIComponent(parts[2] ?? '')
  } catch {
    throw new BadRequest(400, 'BAD_ROOM_ID', 'The room id is not valid percent-encoding.')
  }
  if (!ROOM_ID.test(roomId)) {
    throw new BadRequest(400, 'BAD_ROOM_ID', 'A room id is 1 to 64 characters of A-Z, a-z, 0-9, "_" and "-".')
  }
  const action = parts[3]
  if (action !== 'messages' && action !== 'seed') {
    throw new BadRequest(404, 'NOT_FOUND', 'Routes: GET|POST /rooms/:id/messages, POST /rooms/:id/seed.')
  }
  return { roomId, action }
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

export function errorResponse(error: unknown): Response {
  if (error instanceof BadRequest)
    return json({ error: { code: error.code, message: error.message } }, error.status)
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'INTERNAL'
  const message = error instanceof Error ? error.message : String(error)
  return json({ error: { code, message } }, 500)
}
