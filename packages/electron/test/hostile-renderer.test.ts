/**
 * A compromised renderer: whatever it sends over IPC, main runs only
 * PersistDB's own operations on PersistDB's own tables of its one file.
 * Every case is refused with a typed error (or, where it is plain row data,
 * stored as data), and the file's other tables, its pragmas and its folder
 * stay as they were. The requests are real ones the renderer sent, recorded
 * at the boundary, with one field replaced at a time.
 */
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmulatedElectron, APP_FRAME } from './support/electron-emulation'
import { databaseContent, diskRows } from './support/disk'
import { fieldPaths, hostileValues, replaceAt } from './support/hostile'
import { openTodos, tempDir } from './support/windows'

const tmp = tempDir()
const file = tmp.file()
const outside = tmp.file('outside.sqlite')
let electron: EmulatedElectron
/** Real requests of each operation the renderer sent (one per op name). */
const recorded = new Map<string, unknown>()

type Answer = { ok: true; value: unknown } | { ok: false; message: string }

beforeAll(async () => {
  // The app keeps a table of its own in the same file: no renderer may read or change it.
  const db = new Database(file)
  db.exec(
    `CREATE TABLE app_secrets (k TEXT PRIMARY KEY, v TEXT); INSERT INTO app_secrets VALUES ('token', 's3cret')`,
  )
  db.close()
  electron = await EmulatedElectron.start({
    file,
    allowOrigins: [APP_FRAME.origin],
    collections: ['todos'],
    maxMessageBytes: 256 * 1024,
  })
  const { todos } = openTodos(electron.window())
  await todos.preload()
  await todos.insert({ id: 'a', title: 'first' }).isPersisted.promise
  await todos.update('a', (d) => {
    d.title = 'second'
  }).isPersisted.promise
  for (const { args } of electron.invoked) {
    const op = (args[0] as { op?: unknown } | undefined)?.op
    if (typeof op === 'string' && !recorded.has(op)) recorded.set(op, args[0])
  }
})
afterAll(async () => {
  await electron?.close()
  tmp.cleanup()
})

/** A window of its own for raw messages (so a refusal cannot disturb the recording window). */
function raw(message: unknown, frame = APP_FRAME, extraArgs: unknown[] = []): Promise<Answer> {
  return electron.invoke(99, frame, 'persistdb', [message, ...extraArgs])
}

type Envelope = { code?: string; fields?: { reason?: unknown }; details?: { reason?: unknown } }

/** Main never throws across IPC: a refusal is an answer carrying an error envelope with a PersistDB code. */
function refusedWithTypedError(answer: Answer, reason?: string): void {
  expect(answer.ok).toBe(true)
  const value = (answer as { value: { ok: boolean; error?: Envelope } }).value
  expect(value.ok).toBe(false)
  expect(value.error?.code).toMatch(/^PERSISTDB_/)
  if (reason) {
    expect(value.error?.code).toBe('PERSISTDB_REMOTE_REFUSED')
    expect(value.error?.fields?.reason ?? value.error?.details?.reason).toBe(reason)
  }
}

function untouched(before: ReturnType<typeof databaseContent>): void {
  expect(databaseContent(file)).toEqual(before)
}

function appSecretsAndPragmas() {
  const db = new Database(file, { readonly: true })
  try {
    return {
      secrets: db.prepare('SELECT * FROM app_secrets').all(),
      userVersion: db.pragma('user_version', { simple: true }),
      journal: db.pragma('journal_mode', { simple: true }),
      attached: db.pragma('database_list'),
    }
  } finally {
    db.close()
  }
}

describe('hostile renderer', () => {
  it('recorded the real operations first (the cases below mutate them)', () => {
    expect([...recorded.keys()]).toEqual(expect.arrayContaining(['open', 'commit']))
  })

  it('refuses SQL sent as a request, whatever its shape, and leaves the file as it was', async () => {
    const before = databaseContent(file)
    for (const message of [
      'SELECT * FROM app_secrets',
      { sql: `ATTACH DATABASE '${outside}' AS evil`, params: [] },
      { op: 'exec', sql: 'PRAGMA user_version = 666' },
      { op: 'all', sql: 'SELECT * FROM app_secrets', params: [] },
      { op: 'run', sql: `VACUUM INTO '${outside}'` },
      { t: 'tx', stmts: [{ sql: 'DROP TABLE app_secrets', params: [] }] },
      null,
      42,
      [],
    ]) {
      refusedWithTypedError(await raw(message))
    }
    untouched(before)
    expect(existsSync(outside)).toBe(false)
  })

  it('SQL, ATTACH, PRAGMA, paths and odd values in any one field of a real request: refused or stored as data only', async () => {
    const guarded = appSecretsAndPragmas()
    let refused = 0
    let cases = 0
    for (const [op, message] of recorded) {
      for (const path of fieldPaths(message)) {
        for (const value of hostileValues(outside)) {
          cases++
          const before = databaseContent(file)
          const answer = await raw(replaceAt(message, path, value))
          expect(answer.ok, `${op} ${path.join('.')}: main threw across IPC`).toBe(true)
          const response = (answer as { value: { ok: boolean; error?: { code?: string } } }).value
          if (!response.ok) {
            refused++
            expect(response.error?.code, `${op} ${path.join('.')}`).toMatch(/^PERSISTDB_/)
            untouched(before)
          }
          expect(appSecretsAndPragmas()).toEqual(guarded)
          expect(existsSync(outside)).toBe(false)
        }
      }
    }
    // The sweep did run, and most of it was refused (row values are the only free-form data).
    expect(cases).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(cases / 2)
  })

  it('refuses collections outside the allow-list and collection numbers it never opened', async () => {
    const before = databaseContent(file)
    const open = recorded.get('open') as Record<string, unknown>
    for (const name of ['other', 'app_secrets', '../outside', 'TODOS'])
      refusedWithTypedError(await raw({ ...open, name }), 'unknown-collection')
    const commit = recorded.get('commit') as Record<string, unknown>
    for (const collection of [9999, -1, 0.5])
      refusedWithTypedError(await raw({ ...commit, collection }), 'unknown-collection')
    untouched(before)
  })

  it('refuses huge and malformed messages before reading them', async () => {
    const before = databaseContent(file)
    const commit = recorded.get('commit') as Record<string, unknown>
    refusedWithTypedError(await raw({ ...commit, pad: 'x'.repeat(300 * 1024) }), 'too-large')
    const sparse: unknown[] = []
    sparse[2 ** 31] = 1
    let deep: unknown = commit
    for (let i = 0; i < 100; i++) deep = { nested: deep }
    const cycle: Record<string, unknown> = { ...commit }
    cycle.self = cycle
    for (const message of [{ ...commit, batch: sparse }, deep, cycle, { ...commit, at: new Error('x') }])
      refusedWithTypedError(await raw(message), 'malformed')
    refusedWithTypedError(await raw(commit, APP_FRAME, ['second argument']), 'malformed')
    untouched(before)
  })

  it('refuses a forged sender: another origin, a subframe of the app, a frame already gone', async () => {
    const before = databaseContent(file)
    const commit = recorded.get('commit')
    refusedWithTypedError(
      await raw(commit, { url: 'https://evil.example/x', origin: 'https://evil.example', mainFrame: true }),
      'forbidden-sender',
    )
    refusedWithTypedError(await raw(commit, { ...APP_FRAME, mainFrame: false }), 'forbidden-sender')
    refusedWithTypedError(await electron.invoke(98, null, 'persistdb', [commit]), 'forbidden-sender')
    untouched(before)
  })

  it('the refusals did not disturb an honest window: it reads what is on disk and writes', async () => {
    const { todos } = openTodos(electron.window())
    await todos.preload()
    const onDisk = diskRows(file, 'todos')
    expect(new Map([...todos.values()].map((t) => [t.id, { id: t.id, title: t.title }]))).toEqual(onDisk)
    await todos.insert({ id: 'honest', title: 'after the attack' }).isPersisted.promise
    expect(diskRows(file, 'todos').get('honest')).toEqual({ id: 'honest', title: 'after the attack' })
  })
})
