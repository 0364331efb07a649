/** Renderer-side helpers: a window's persisted collection, and waiting for what it shows. */
import type { Collection } from '@tanstack/db'
import { tempDir as sharedTempDir, type TempDir } from '../../../core/test/support/temp-dir'
import { todosCollection } from '../../../core/test/support/todos'
import { createElectronSQLitePersistence } from '../../src/renderer'
import type { EmulatedWindow } from './electron-emulation'

export type { Todo } from '../../../core/test/support/todos'

export const tempDir = (prefix = 'persistdb-electron-'): TempDir => sharedTempDir(prefix, 'app.sqlite')

/** A window's `todos` collection, persisted in main's file through the window's ipcRenderer. */
export function openTodos(window: EmulatedWindow, options: { id?: string; schemaVersion?: number } = {}) {
  const persistence = createElectronSQLitePersistence({ ipcRenderer: window.ipcRenderer })
  return { persistence, todos: todosCollection(persistence, options) }
}

/**
 * Resolves once `predicate` holds for the collection, checked on every change
 * it emits (no polling). With the initial state included: a subscription
 * hears deletes only of keys it was sent.
 */
export function waitUntil<T extends object>(
  collection: Collection<T, string>,
  predicate: (collection: Collection<T, string>) => boolean,
): Promise<void> {
  return new Promise((resolve) => {
    let done = false
    const check = () => {
      if (done || !predicate(collection)) return
      done = true
      // The initial state is delivered during subscribeChanges, before `subscription` is assigned.
      queueMicrotask(() => subscription.unsubscribe())
      resolve()
    }
    const subscription = collection.subscribeChanges(check, { includeInitialState: true })
    check()
  })
}
