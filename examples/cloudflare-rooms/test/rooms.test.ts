import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Message } from '../src/message'
import { bundleWorker, startRooms, type LocalRooms } from '../server/local-workerd'
import { RoomsClient, UnexpectedResponse } from '../server/rooms-client'
import { runConcurrently } from '../server/stats'

// The example Worker in real workerd (Miniflare), bundled by wrangler as `wrangler deploy` would.
let dir: string
let script: string
const running: LocalRooms[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'persistdb-rooms-'))
  script = await bundleWorker(join(dir, 'bundle'))
}, 180_000)

afterAll(async () => {
  await Promise.all(running.map((rooms) => rooms.dispose()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function start(allowSeed: boolean): Promise<{ rooms: LocalRooms; client: RoomsClient }> {
  const rooms = await startRooms({ script, persistDir: join(dir, 'storage'), allowSeed })
  running.push(rooms)
  return { rooms, client: new RoomsClient(rooms.url, rooms.fetch) }
}

async function stop(rooms: LocalRooms): Promise<void> {
  running.splice(running.indexOf(rooms), 1)
  await rooms.dispose()
}

/** The model's answer to "latest 50": newest first by the room's clock. */
const latest50 = (messages: readonly Message[]) => [...messages].sort((a, b) => b.ts - a.ts).slice(0, 50)
const byTsDesc = (messages: readonly Message[]) => [...messages].sort((a, b) => b.ts - a.ts)

async function expectStatus(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UnexpectedResponse)
  const { status: actual, body } = error as UnexpectedResponse
  expect({ status: actual, code: (JSON.parse(body) as { error: { code: string } }).error.code }).toEqual({
    status,
    code,
  })
}

describe('examples/cloudflare-rooms in workerd', () => {
  it('keeps every message of concurrent posts to two rooms across a workerd restart, rooms isolated', async () => {
    const model = new Map<string, Message[]>([
      ['alpha', []],
      ['beta', []],
    ])
    const first = await start(false)
    // 70 + 45 posts interleaved between the two rooms, 16 in flight at once.
    const posts = [...Array.from({ length: 70 }, () => 'alpha'), ...Array.from({ length: 45 }, () => 'beta')]
    // Shuffled by a fixed permutation (7919 is prime to 115): the rooms' posts interleave.
    const order = posts
      .map((room, i) => ({ room, i }))
      .sort((a, b) => ((a.i * 7919) % 115) - ((b.i * 7919) % 115))
    await runConcurrently(order.length, 16, async (n) => {
      const { room, i } = order[n]!
      const stored = await first.client.post(room, {
        author: `user-${i % 5}`,
        text: `message ${i} in ${room}`,
      })
      model.get(room)!.push(stored)
    })
    expect(model.get('alpha')).toHaveLength(70)
    expect(model.get('beta')).toHaveLength(45)

    for (const [room, messages] of model) {
      // Every stored message got its own ts: "latest" has exactly one answer.
      expect(new Set(messages.map((m) => m.ts)).size).toBe(messages.length)
      expect(await first.client.latest(room)).toEqual(latest50(messages))
    }
    await stop(first.rooms)

    const second = await start(false)
    for (const [room, messages] of model) {
      expect(await second.client.latest(room)).toEqual(latest50(messages))
      expect(await second.client.all(room, 30)).toEqual(byTsDesc(messages))
    }
    const alphaIds = new Set(model.get('alpha')!.map((m) => m.id))
    expect((await second.client.all('beta')).filter((m) => alphaIds.has(m.id))).toEqual([])
    expect(await second.client.latest('gamma')).toEqual([])

    // Posts after the restart continue the room's clock: the newest message is the one just posted.
    const after = await second.client.post('beta', { author: 'late', text: 'after the restart' })
    expect(after.ts).toBeGreaterThan(Math.max(...model.get('beta')!.map((m) => m.ts)))
    expect((await second.client.latest('beta'))[0]).toEqual(after)
    await stop(second.rooms)
  }, 180_000)

  it('refuses hostile room ids, bad bodies and unknown routes with a typed 4xx, and stores nothing for them', async () => {
    const { rooms, client } = await start(false)
    const raw = (path: string, init?: { method: string; body: string }) =>
      rooms.fetch(new URL(path, rooms.url), init)
    for (const path of [
      'rooms/..%2F..%2Fother/messages',
      'rooms/a%00b/messages',
      `rooms/${'x'.repeat(65)}/messages`,
      'rooms/%E0%A4%A/messages',
      "rooms/a'%3B%20DROP%20TABLE%20x/messages",
    ]) {
      const response = await raw(path)
      expect({ path, status: response.status }).toEqual({ path, status: 400 })
    }
    expect((await raw('rooms/a/b/messages')).status).toBe(404)
    expect((await raw('rooms/ok/nothing')).status).toBe(404)

    await expectStatus(client.post('hostile', { author: '', text: 'x' }), 400, 'BAD_AUTHOR')
    await expectStatus(client.post('hostile', { author: 'a', text: 'x'.repeat(4_001) }), 400, 'BAD_TEXT')
    const notJson = await raw('rooms/hostile/messages', { method: 'POST', body: '{nope' })
    expect(notJson.status).toBe(400)
    // Without ALLOW_SEED the bulk endpoint does not exist.
    await expectStatus(client.seed('hostile', 10), 405, 'METHOD_NOT_ALLOWED')
    expect(await client.latest('hostile')).toEqual([])

    // The same room accepts a good post: the refusals above were about the input, not the room.
    const ok = await client.post('hostile', { author: 'a', text: 'x'.repeat(4_000) })
    expect(await client.latest('hostile')).toEqual([ok])
    await stop(rooms)
  }, 180_000)

  it('stores a seeded batch larger than the 100-parameter limit in one transaction, back after a restart', async () => {
    const first = await start(true)
    const { inserted, lastTs } = await first.client.seed('bulk', 1_500)
    expect(inserted).toBe(1_500)
    await stop(first.rooms)

    const { rooms, client } = await start(true)
    const latest = await client.latest('bulk')
    expect(latest.map((m) => m.ts)).toEqual(Array.from({ length: 50 }, (_, i) => lastTs - i))
    const all = await client.all('bulk')
    expect(all).toHaveLength(1_500)
    expect(new Set(all.map((m) => m.text))).toEqual(
      new Set(Array.from({ length: 1_500 }, (_, i) => `seeded message ${i}`)),
    )
    await stop(rooms)
  }, 180_000)
})
