/**
 * Errors keep their type across Electron's IPC (which passes only a
 * message): main answers with envelopes, the renderer rebuilds the same
 * PersistDB error class with its code and fields. Nothing surfaces as a bare
 * "Error invoking remote method".
 */
import { createCollection } from '@tanstack/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { persistedCollectionOptions, SchemaVersionMismatchError } from '@persistdb/core'
import { RemoteRequestRefusedError, RemoteUnavailableError } from '@persistdb/core/remote'
import { createElectronSQLitePersistence } from '../src/renderer'
import { APP_FRAME, EmulatedElectron } from './support/electron-emulation'
import { diskRows } from './support/disk'
import { openTodos, tempDir } from './support/windows'

const tmp = tempDir()
let electron: EmulatedElectron
beforeAll(async () => {
  electron = await EmulatedElectron.start({ file: tmp.file(), allowOrigins: [APP_FRAME.origin] })
})
afterAll(async () => {
  await electron?.close()
  tmp.cleanup()
})

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  )

describe('Electron: typed errors across IPC', () => {
  it('a core error raised in main (schema version mismatch) arrives as its own class, code and fields', async () => {
    const v1 = openTodos(electron.window(), { id: 'versioned', schemaVersion: 1 })
    await v1.todos.preload()
    await v1.todos.insert({ id: 'a', title: 'kept' }).isPersisted.promise
    const v2 = openTodos(electron.window(), { id: 'versioned', schemaVersion: 2 })
    const error = await failure(v2.todos.preload())
    expect(error).toBeInstanceOf(SchemaVersionMismatchError)
    expect(error).toMatchObject({
      code: 'PERSISTDB_SCHEMA_VERSION_MISMATCH',
      storedVersion: 1,
      requestedVersion: 2,
      collectionId: 'versioned',
    })
    expect(String((error as Error).message)).not.toMatch(/Error invoking remote method/)
    expect([...diskRows(tmp.file(), 'versioned').keys()]).toEqual(['a'])
  })

  it("a refused sender's window gets RemoteRequestRefusedError('forbidden-sender'), not Electron's bare message", async () => {
    const evil = openTodos(
      electron.window({ url: 'https://evil.example/', origin: 'https://evil.example', mainFrame: true }),
    )
    const error = await failure(evil.todos.preload())
    expect(error).toBeInstanceOf(RemoteRequestRefusedError)
    expect(error).toMatchObject({ code: 'PERSISTDB_REMOTE_REFUSED', reason: 'forbidden-sender' })
    expect(String((error as Error).message)).toMatch(/allowSender/)
  })

  it('a channel main does not serve fails fast with RemoteUnavailableError (nothing applied)', async () => {
    const window = electron.window()
    const persistence = createElectronSQLitePersistence(
      { ipcRenderer: window.ipcRenderer },
      { channel: 'not-served' },
    )
    const todos = createCollection(
      persistedCollectionOptions<{ id: string }, string>({
        id: 'todos',
        getKey: (t) => t.id,
        persistence,
        schemaVersion: 1,
      }),
    )
    const error = await failure(todos.preload())
    expect(error).toBeInstanceOf(RemoteUnavailableError)
    expect(error).toMatchObject({ code: 'PERSISTDB_REMOTE_UNAVAILABLE' })
    expect(String((error as Error).message)).toMatch(/nothing was applied/)
  })
})
