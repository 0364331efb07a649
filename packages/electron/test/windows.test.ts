/**
 * Any number of windows on main's one file, over the emulated Electron IPC
 * (forked "main" on better-sqlite3, structured clone both ways).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmulatedElectron } from './support/electron-emulation'
import { changeLogEntries, diskRows } from './support/disk'
import { openTodos, tempDir, waitUntil, type Todo } from './support/windows'

const tmp = tempDir()
let electron: EmulatedElectron
beforeAll(async () => {
  electron = await EmulatedElectron.start({ file: tmp.file() })
})
afterAll(async () => {
  await electron?.close()
  tmp.cleanup()
})

const rowsOf = (rows: Iterable<Todo>) =>
  new Map([...rows].map((row) => [row.id, { id: row.id, title: row.title }] as const))

describe('Electron: many windows, one file', () => {
  it('three windows writing at once: every write once, in every window and on disk', async () => {
    const PER_WINDOW = 25
    const windows = [0, 1, 2].map(() => openTodos(electron.window(), { id: 'three' }))
    await Promise.all(windows.map((w) => w.todos.preload()))

    // Every window fires its writes without waiting: inserts, then an update and a delete of its own rows.
    await Promise.all(
      windows.map(async ({ todos }, w) => {
        const inserts = Array.from({ length: PER_WINDOW }, (_, i) =>
          todos.insert({ id: `w${w}-${i}`, title: `window ${w} row ${i}` }),
        )
        await Promise.all(inserts.map((tx) => tx.isPersisted.promise))
        await Promise.all([
          todos.update(`w${w}-0`, (draft) => {
            draft.title = `updated by window ${w}`
          }).isPersisted.promise,
          todos.delete(`w${w}-1`).isPersisted.promise,
        ])
      }),
    )

    const expected = new Map<string, { id: string; title: string }>()
    for (let w = 0; w < 3; w++)
      for (let i = 0; i < PER_WINDOW; i++)
        expected.set(`w${w}-${i}`, { id: `w${w}-${i}`, title: `window ${w} row ${i}` })
    for (let w = 0; w < 3; w++) {
      expected.set(`w${w}-0`, { id: `w${w}-0`, title: `updated by window ${w}` })
      expected.delete(`w${w}-1`)
    }

    for (const { todos } of windows) {
      await waitUntil(
        todos,
        (c) =>
          c.size === expected.size &&
          [0, 1, 2].every((w) => c.get(`w${w}-0`)?.title === `updated by window ${w}`),
      )
      expect(rowsOf(todos.values())).toEqual(expected)
    }
    expect(diskRows(tmp.file(), 'three')).toEqual(expected)
    // One change-log entry per commit: nothing applied twice (3 × (inserts + update + delete)).
    expect(changeLogEntries(tmp.file(), 'three')).toBe(3 * (PER_WINDOW + 2))
  })

  it('a second window sees a small commit incrementally: main pushes a notice, the window re-reads that key only', async () => {
    const a = openTodos(electron.window(), { id: 'incremental' })
    const bWindow = electron.window()
    const b = openTodos(bWindow, { id: 'incremental' })
    await Promise.all([a.todos.preload(), b.todos.preload()])
    await a.todos.insert(Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, title: 'seed' }))).isPersisted
      .promise
    await waitUntil(b.todos, (c) => c.size === 50)

    const before = electron.invoked.length
    await a.todos.update('r7', (draft) => {
      draft.title = 'changed'
    }).isPersisted.promise
    await waitUntil(b.todos, (c) => c.get('r7')?.title === 'changed')
    const bRequests = electron.invoked.slice(before).filter((r) => r.webContentsId === bWindow.webContentsId)
    // B asked for something (the changed key), but nothing that carries the other 49 rows' keys.
    expect(bRequests.length).toBeGreaterThan(0)
    const sent = JSON.stringify(
      bRequests.map((r) => r.args),
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    )
    expect(sent).toContain('r7')
    expect(sent).not.toContain('r8')
  })

  const MODEL_RUNS = Number(process.env.PERSISTDB_ELECTRON_MODEL_RUNS ?? 2)
  const op = fc.record({
    window: fc.integer({ min: 0, max: 2 }),
    kind: fc.constantFrom('upsert', 'delete'),
    key: fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4'),
    title: fc.string({ maxLength: 12 }),
  })
  it('any sequence of writes from any of three windows: every window and the disk end equal to a plain Map', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const id = `model-${run++}`
        const windows = [0, 1, 2].map(() => openTodos(electron.window(), { id }))
        await Promise.all(windows.map((w) => w.todos.preload()))
        const model = new Map<string, { id: string; title: string }>()
        for (const { window, kind, key, title } of ops) {
          const { todos } = windows[window]!
          // A window acts on what it shows: wait until it has caught up with the model.
          await waitUntil(todos, (c) => c.size === model.size && [...model.keys()].every((k) => c.has(k)))
          if (kind === 'delete') {
            if (!todos.has(key)) continue
            await todos.delete(key).isPersisted.promise
            model.delete(key)
          } else if (todos.has(key)) {
            await todos.update(key, (draft) => {
              draft.title = title
            }).isPersisted.promise
            model.set(key, { id: key, title })
          } else {
            await todos.insert({ id: key, title }).isPersisted.promise
            model.set(key, { id: key, title })
          }
        }
        for (const { todos } of windows) {
          await waitUntil(todos, (c) => {
            const shown = rowsOf(c.values())
            return shown.size === model.size && [...model].every(([k, v]) => shown.get(k)?.title === v.title)
          })
          expect(rowsOf(todos.values())).toEqual(model)
        }
        expect(diskRows(tmp.file(), id)).toEqual(model)
      }),
      { numRuns: MODEL_RUNS },
    )
  }, 180_000)
})
