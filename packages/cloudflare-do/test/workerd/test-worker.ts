/**
 * The Worker the workerd test project runs its tests beside
 * (vitest.config.ts: `cloudflareTest({ main })`): a bare SQLite-backed
 * Durable Object class whose storage the tests drive with
 * `runInDurableObject`, and an application-style one (NotesObject).
 */
import { DurableObject } from 'cloudflare:workers'

export { NotesObject } from './notes-object'

export class TestObject extends DurableObject {}

export default {
  fetch(): Response {
    return new Response('persistdb workerd tests')
  },
}
