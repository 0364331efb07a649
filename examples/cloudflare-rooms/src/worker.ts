import type { DurableObjectNamespace } from '@cloudflare/workers-types/index.ts'
import { errorResponse, parseRoomRoute } from './routes'

export { Room } from './room'

export interface WorkerEnv {
  ROOMS: DurableObjectNamespace
}

/** Routes `/rooms/:id/...` to the room's own Durable Object (one SQLite database per room). */
export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    try {
      const { roomId } = parseRoomRoute(new URL(request.url).pathname)
      const room = env.ROOMS.get(env.ROOMS.idFromName(roomId))
      // workers-types' Request/Response are the runtime's; the DOM ones are the same objects in workerd.
      return (await room.fetch(request as never)) as unknown as Response
    } catch (error) {
      return errorResponse(error)
    }
  },
}
