/**
 * Exactly once across the boundary: a lost answer, a window SIGKILLed while
 * its commit is in main's hands, main stopped and serving again, main
 * SIGKILLed and restarted. Writes are never applied twice, an applied write
 * is never reported as failed, and a dead window blocks nobody.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { PersistenceWriteError } from '@persistdb/core'
import { RemoteUnavailableError } from '@persistdb/core/remote'
import { EmulatedElectron } from './support/electron-emulation'
import { changeLogEntries, diskRows } from './support/disk'
import { openTodos, tempDir, waitUntil } from './support/windows'

const dirs: Array<{ cleanup: () => void }> = []
const running: EmulatedElectron[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()))
  for (const d of dirs.splice(0)) d.cleanup()
})

async function start() {
  const tmp = tempDir()
  dirs.push(tmp)
  const electron = await EmulatedElectron.start({ file: tmp.file() })
  running.push(electron)
  return { electron, file: tmp.file() }
}

const isCommit = (args: unknown[]) => (args[0] as { op?: unknown } | undefined)?.op === 'commit'

describe('Electron: exactly once', () => {
  it('a commit whose answer was lost is resent and applied once, and reported as persisted', async () => {
    const { electron, file } = await start()
    const { todos } = openTodos(electron.window())
    await todos.preload()
    electron.loseAnswers(1, isCommit)
    await todos.insert({ id: 'lost', title: 'answer lost once' }).isPersisted.promise
    expect(electron.answersStillToLose).toBe(0) // the answer really was lost
    // Main saw the commit at least twice (the resend) ...
    expect(electron.invoked.filter((r) => isCommit(r.args)).length).toBeGreaterThanOrEqual(2)
    // ... and applied it once: one row, one change-log entry.
    expect([...diskRows(file, 'todos').keys()]).toEqual(['lost'])
    expect(changeLogEntries(file, 'todos')).toBe(1)
  })

  it('a window SIGKILLed with its commit in flight: all of it or none on disk, and the other windows go on', async () => {
    const { electron, file } = await start()
    const other = openTodos(electron.window())
    await other.todos.preload()
    const doomed = electron.windowProcess('window-child.ts', [])
    await new Promise<void>((resolve) =>
      doomed.child.on('message', (m: { t: string }) => (m.t === 'ready' ? resolve() : undefined)),
    )
    const commitSeen = electron.whenInvoked((id, args) => id === doomed.webContentsId && isCommit(args))
    doomed.child.send({ t: 'insert', prefix: 'doomed', count: 500 })
    await commitSeen
    doomed.child.kill('SIGKILL')

    // The survivor is not blocked by the dead window's transaction.
    await other.todos.insert({ id: 'survivor', title: 'still writing' }).isPersisted.promise
    const doomedOnDisk = [...diskRows(file, 'todos').keys()].filter((k) => String(k).startsWith('doomed-'))
    expect([0, 500]).toContain(doomedOnDisk.length)
    await waitUntil(
      other.todos,
      (c) =>
        c.has('survivor') &&
        [...c.keys()].filter((k) => k.startsWith('doomed-')).length === doomedOnDisk.length,
    )
    expect(changeLogEntries(file, 'todos')).toBe(doomedOnDisk.length === 500 ? 2 : 1)
  })

  it('main stops serving: writes fail fast with a typed error; once it serves again, writes go through', async () => {
    const { electron, file } = await start()
    const { todos } = openTodos(electron.window())
    await todos.preload()
    await todos.insert({ id: 'before', title: 'before the stop' }).isPersisted.promise
    await electron.stopServing()
    const error = await todos.insert({ id: 'during', title: 'while stopped' }).isPersisted.promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    // The write fails as a write, saying why: main is not serving.
    expect(error).toBeInstanceOf(PersistenceWriteError)
    expect((error as Error).cause).toBeInstanceOf(RemoteUnavailableError)
    expect((error as Error).cause).toMatchObject({ code: 'PERSISTDB_REMOTE_UNAVAILABLE' })
    expect(diskRows(file, 'todos').has('during')).toBe(false)
    await electron.serveAgain()
    await todos.insert({ id: 'after', title: 'after the restart' }).isPersisted.promise
    expect([...diskRows(file, 'todos').keys()].sort()).toEqual(['after', 'before'])
  })

  it('main is SIGKILLed and restarted on the same file: a typed error meanwhile, then the window works again', async () => {
    const { electron, file } = await start()
    const { todos } = openTodos(electron.window())
    await todos.preload()
    await todos.insert({ id: 'one', title: 'before the crash' }).isPersisted.promise
    await electron.killMain()
    const error = await todos.insert({ id: 'two', title: 'main is gone' }).isPersisted.promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    // The write fails as a write, saying why: main is not serving.
    expect(error).toBeInstanceOf(PersistenceWriteError)
    expect((error as Error).cause).toBeInstanceOf(RemoteUnavailableError)
    expect((error as Error).cause).toMatchObject({ code: 'PERSISTDB_REMOTE_UNAVAILABLE' })
    await electron.restartMain()
    await todos.insert({ id: 'three', title: 'after the restart' }).isPersisted.promise
    expect([...diskRows(file, 'todos').keys()].sort()).toEqual(['one', 'three'])
  })
})
