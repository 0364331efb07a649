/**
 * The Durable Object lifecycle with an application-style object
 * (workerd/notes-object.ts): collections restored under blockConcurrencyWhile
 * before any request, writes from requests, alarms and hibernatable WebSocket
 * handlers, and an eviction (`ctx.abort()`) that loses memory, never data.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { freshName } from './workerd/objects'

type NotesAnswer = { restored: number; notes: { id: string; text: string; at: number }[] }

const notesObject = (name: string) => env.NOTES.get(env.NOTES.idFromName(name))

async function call<T>(stub: DurableObjectStub, method: string, path: string, body?: unknown): Promise<T> {
  const response = await stub.fetch(`https://notes.test${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/**
 * Throws the object's instance away, as an eviction or a crash does, and
 * returns a new stub (a stub that saw its object abort stays broken): its
 * first request builds a new instance.
 */
async function evict(name: string): Promise<ReturnType<typeof notesObject>> {
  await expect(
    runInDurableObject(notesObject(name), (_instance, ctx) => ctx.abort('evicted by the test')),
  ).rejects.toThrow()
  return notesObject(name)
}

describe('the Durable Object lifecycle', () => {
  it('after an eviction the constructor restores every note before the first request is let in', async () => {
    const name = freshName('notes')
    let stub = notesObject(name)
    const first = await call<NotesAnswer>(stub, 'GET', '/notes')
    expect(first).toEqual({ restored: 0, notes: [] })
    for (let i = 0; i < 5; i++) await call(stub, 'POST', '/notes', { id: `n${i}`, text: `note ${i}` })
    stub = await evict(name)
    const after = await call<NotesAnswer>(stub, 'GET', '/notes')
    // `restored` is read in blockConcurrencyWhile: the request waited for the restore.
    expect(after.restored).toBe(5)
    expect(after.notes.map((n) => n.id).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4'])
    expect(after.notes.every((n) => n.at > 0 && Number.isInteger(n.at))).toBe(true)
  })

  it('an on-demand collection answers "latest 50" from SQLite after an eviction, nothing preloaded', async () => {
    const name = freshName('events')
    let stub = notesObject(name)
    await call(stub, 'POST', '/events?count=500&from=0')
    stub = await evict(name)
    const latest = await call<{ ids: string[]; loaded: number }>(stub, 'GET', '/events/latest?limit=50')
    expect(latest.ids).toEqual(Array.from({ length: 50 }, (_, i) => `e${499 - i}`))
    // Only what the query needed came into memory.
    expect(latest.loaded).toBeLessThan(500)
  })

  it('an alarm handler reads and writes the collections', async () => {
    const name = freshName('alarm')
    let stub = notesObject(name)
    await call(stub, 'POST', '/notes', { id: 'before', text: 'written by a request' })
    await call(stub, 'POST', '/alarm')
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    stub = await evict(name)
    const after = await call<NotesAnswer>(stub, 'GET', '/notes')
    expect(after.notes.find((n) => n.id === 'alarm-1')?.text).toBe('alarm saw 1 notes')
  })

  it('a hibernatable WebSocket handler writes to the collection; the note outlives an eviction', async () => {
    const name = freshName('ws')
    const response = await notesObject(name).fetch('https://notes.test/ws', {
      headers: { Upgrade: 'websocket' },
    })
    const socket = response.webSocket!
    socket.accept()
    const reply = new Promise<unknown>((resolve) =>
      socket.addEventListener('message', (event) => resolve(JSON.parse(String(event.data)))),
    )
    socket.send(JSON.stringify({ id: 'ws-1', text: 'over the socket' }))
    expect(await reply).toEqual({ size: 1, restored: 0 })
    socket.close()
    const stub = await evict(name)
    const after = await call<NotesAnswer>(stub, 'GET', '/notes')
    expect(after.restored).toBe(1)
    expect(after.notes.map((n) => n.text)).toEqual(['over the socket'])
  })
})
