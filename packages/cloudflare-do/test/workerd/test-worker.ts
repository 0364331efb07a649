/**
 * The Worker the workerd test project runs its tests beside
 * (vitest.config.ts: `cloudflareTest({ main })`): one SQLite-backed Durable
 * Object class whose storage the tests drive with `runInDurableObject`.
 */
import { DurableObject } from 'cloudflare:workers'

export class TestObject extends DurableObject {}

export default {
  fetch(): Response {
    return new Response('persistdb workerd tests')
  },
}
