/**
 * A restart of workerd itself: an application-style object
 * (workerd/notes-object.ts) runs in Miniflare with its Durable Object storage
 * persisted to a directory; Miniflare is disposed (workerd exits) and a new
 * instance is started on the same directory. Every acknowledged write is
 * back, each object sees only its own rows, and an on-demand collection
 * answers from SQLite without loading everything.
 */
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { tempDir } from '../../node/test/helpers'
import { bundleWorker } from './support/workerd-bundle'

const storage = tempDir('persistdb-do-restart-')
let script = ''

beforeAll(async () => {
  script = await bundleWorker(fileURLToPath(new URL('./workerd/rooms-worker.ts', import.meta.url)))
})
afterAll(() => storage.cleanup())

function startWorkerd(): Miniflare {
  return new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    durableObjects: { NOTES: { className: 'NotesObject', useSQLite: true } },
    durableObjectsPersist: storage.dir,
  })
}

async function call<T>(mf: Miniflare, method: string, path: string, body?: unknown): Promise<T> {
  const response = await mf.dispatchFetch(`http://rooms.test${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return JSON.parse(text) as T
}

type NotesAnswer = { restored: number; notes: { id: string; text: string }[] }

it('after workerd restarts on the same storage, every note and event is back and each object has only its own', async () => {
  const rooms = ['room-a', 'room-"b"']
  const first = startWorkerd()
  try {
    for (const room of rooms) {
      const path = `/objects/${encodeURIComponent(room)}`
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(first, 'POST', `${path}/notes`, { id: `n${i}`, text: `${room} ${i}` }),
        ),
      )
    }
    await call(first, 'POST', `/objects/room-a/events?count=1000&from=0`)
  } finally {
    await first.dispose()
  }

  const second = startWorkerd()
  try {
    for (const room of rooms) {
      const answer = await call<NotesAnswer>(second, 'GET', `/objects/${encodeURIComponent(room)}/notes`)
      // Restored under blockConcurrencyWhile, before this first request was let in.
      expect(answer.restored).toBe(20)
      expect(answer.notes.map((n) => n.text).sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `${room} ${i}`).sort(),
      )
    }
    const latest = await call<{ ids: string[]; loaded: number }>(
      second,
      'GET',
      '/objects/room-a/events/latest?limit=50',
    )
    expect(latest.ids).toEqual(Array.from({ length: 50 }, (_, i) => `e${999 - i}`))
    expect(latest.loaded).toBeLessThan(1000)
    const otherRoom = await call<{ ids: string[] }>(
      second,
      'GET',
      `/objects/${encodeURIComponent(rooms[1]!)}/events/latest`,
    )
    expect(otherRoom.ids).toEqual([])
  } finally {
    await second.dispose()
  }
})
