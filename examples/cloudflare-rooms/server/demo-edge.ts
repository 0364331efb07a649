/**
 * `npm run demo:edge`: the rooms Worker on local workerd, driven hard, restarted, checked, measured.
 * Scale with PERSISTDB_EDGE_ROOMS, PERSISTDB_EDGE_POSTS, PERSISTDB_EDGE_CONCURRENCY, PERSISTDB_EDGE_BIG_ROOM.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Message } from '../src/message'
import { bundleWorker, startRooms, type LocalRooms } from './local-workerd'
import { RoomsClient } from './rooms-client'
import { percentile, runConcurrently } from './stats'

const SEED_BATCH = 10_000

function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
  return value
}

const settings = {
  rooms: Math.max(1, envInt('PERSISTDB_EDGE_ROOMS', 50)),
  posts: envInt('PERSISTDB_EDGE_POSTS', 2_000),
  concurrency: Math.max(1, envInt('PERSISTDB_EDGE_CONCURRENCY', 32)),
  bigRoom: envInt('PERSISTDB_EDGE_BIG_ROOM', 100_000),
}

const ms = (value: number) => `${value.toFixed(1)} ms`
const log = (line: string) => console.log(line)

async function timed<T>(label: string, run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now()
  const value = await run()
  const elapsed = performance.now() - t0
  log(`  ${label}: ${ms(elapsed)}`)
  return { value, ms: elapsed }
}

function summarize(label: string, latencies: number[], elapsedMs: number): string {
  const rate = (latencies.length / elapsedMs) * 1000
  return `${label}: ${latencies.length} requests, ${rate.toFixed(0)} req/s, p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(percentile(latencies, 0.99))}`
}

/** Compares what a room answers after the restart with what the Worker acknowledged before it. */
function sameMessages(expected: readonly Message[], actual: readonly Message[]): boolean {
  if (expected.length !== actual.length) return false
  const byId = new Map(actual.map((m) => [m.id, m]))
  return expected.every((m) => {
    const found = byId.get(m.id)
    return found !== undefined && found.ts === m.ts && found.author === m.author && found.text === m.text
  })
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'persistdb-edge-'))
  const persistDir = join(dir, 'durable-objects')
  let workerd: LocalRooms | undefined
  const problems: string[] = []
  try {
    log(
      `PersistDB at the edge: ${settings.rooms} rooms, ${settings.posts} posts (${settings.concurrency} in flight), ` +
        `one room with ${settings.bigRoom} messages. Storage: ${persistDir}`,
    )
    log('\n1. Bundle the Worker (wrangler, as `wrangler deploy` would) and start local workerd')
    const script = (await timed('bundle', () => bundleWorker(join(dir, 'bundle')))).value
    workerd = (await timed('workerd start', () => startRooms({ script, persistDir, allowSeed: true }))).value
    let client = new RoomsClient(workerd.url, workerd.fetch)

    log('\n2. Concurrent posts to many rooms (each a collection insert, durable before the response)')
    const roomName = (i: number) => `room-${i}`
    const model = new Map<string, Message[]>(
      Array.from({ length: settings.rooms }, (_, i) => [roomName(i), []]),
    )
    const posts = await runConcurrently(settings.posts, settings.concurrency, async (i) => {
      // A stride through the rooms so that neighbouring requests hit different objects.
      const room = roomName((i * 7) % settings.rooms)
      model.get(room)!.push(await client.post(room, { author: `user-${i % 13}`, text: `message ${i}` }))
    })
    const postLine = summarize('POST /rooms/:id/messages', posts.latencies, posts.elapsedMs)
    log(`  ${postLine}`)

    log('\n3. Latest 50 of each room (a live query kept in each object), concurrently')
    const reads = await runConcurrently(settings.rooms * 10, settings.concurrency, async (i) => {
      await client.latest(roomName(i % settings.rooms))
    })
    const readLine = summarize('GET /rooms/:id/messages', reads.latencies, reads.elapsedMs)
    log(`  ${readLine}`)

    let bigLastTs = 0
    let seedLine = 'big room: skipped (PERSISTDB_EDGE_BIG_ROOM=0)'
    if (settings.bigRoom > 0) {
      log(`\n4. Seed room "big" with ${settings.bigRoom} messages (${SEED_BATCH} per collection transaction)`)
      const seeded = await timed('seed', async () => {
        for (let left = settings.bigRoom; left > 0; left -= SEED_BATCH) {
          bigLastTs = (await client.seed('big', Math.min(SEED_BATCH, left))).lastTs
        }
      })
      seedLine = `seed: ${settings.bigRoom} messages in ${ms(seeded.ms)} (${((settings.bigRoom / seeded.ms) * 1000).toFixed(0)} rows/s)`
    }

    log('\n5. Restart workerd: dispose, then a new instance on the same storage directory')
    await timed('dispose', () => workerd!.dispose())
    workerd = undefined
    workerd = (await timed('workerd start', () => startRooms({ script, persistDir, allowSeed: true }))).value
    client = new RoomsClient(workerd.url, workerd.fetch)

    let firstAnswerLine = ''
    if (settings.bigRoom > 0) {
      const first = await timed('big room, first answer after restart', () => client.latest('big'))
      const expectedTs = Array.from({ length: Math.min(50, settings.bigRoom) }, (_, i) => bigLastTs - i)
      if (JSON.stringify(first.value.map((m) => m.ts)) !== JSON.stringify(expectedTs)) {
        problems.push('big room: the first answer after the restart is not the latest 50')
      }
      const second = await timed('big room, second answer', () => client.latest('big'))
      firstAnswerLine = `big room (${settings.bigRoom} messages) after restart: first answer ${ms(first.ms)} (object start + restore + query), then ${ms(second.ms)}`
    }

    log('\n6. Every acknowledged message is back')
    const verified = await timed('read back every small room', async () => {
      let count = 0
      await runConcurrently(settings.rooms, settings.concurrency, async (i) => {
        const room = roomName(i)
        const expected = model.get(room)!
        const back = await client.all(room)
        count += back.length
        if (!sameMessages(expected, back))
          problems.push(`${room}: ${back.length} messages back, ${expected.length} acknowledged`)
        const latest = await client.latest(room)
        const want = [...expected].sort((a, b) => b.ts - a.ts).slice(0, 50)
        if (!sameMessages(want, latest) || latest.some((m, k) => m.id !== want[k]!.id)) {
          problems.push(`${room}: latest 50 differ from the acknowledged messages`)
        }
      })
      return count
    })
    let bigBackLine = ''
    if (settings.bigRoom > 0) {
      const big = await timed('read back the big room (pages of 1000 from SQLite)', () => client.all('big'))
      const distinct = new Set(big.value.map((m) => m.id)).size
      if (big.value.length !== settings.bigRoom || distinct !== settings.bigRoom) {
        problems.push(
          `big room: ${big.value.length} messages back (${distinct} distinct), ${settings.bigRoom} seeded`,
        )
      }
      bigBackLine = `big room read back: ${big.value.length} messages in ${ms(big.ms)}`
    }

    log('\nFigures (local workerd on this machine; shared CPUs inflate them)')
    for (const line of [
      postLine,
      readLine,
      seedLine,
      firstAnswerLine,
      `small rooms read back: ${verified.value} messages in ${ms(verified.ms)}`,
      bigBackLine,
    ]) {
      if (line) log(`  ${line}`)
    }
    if (problems.length > 0) {
      log(`\nFAILED: ${problems.length} problem(s)`)
      for (const problem of problems) log(`  - ${problem}`)
      process.exitCode = 1
    } else {
      log(
        `\nOK: all ${settings.posts + settings.bigRoom} messages are back after the restart; rooms answer only their own.`,
      )
    }
  } finally {
    await workerd?.dispose()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
