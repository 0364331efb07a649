/** Renderer-side helpers: a window's persisted collection, and waiting for what it shows. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCollection, type Collection } from '@tanstack/db'
import { persistedCollectionOptions } from '@persistdb/core'
import { createElectronSQLitePersistence } from '../../src/renderer'
import type { EmulatedWindow } from './electron-emulation'

export interface Todo {
  id: string
  title: string
  [field: string]: unknown
}

export function tempDir(prefix = 'persistdb-electron-'): {
  dir: string
  file: (name?: string) => string
  cleanup: () => void
} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    file: (name = 'app.sqlite') => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** A window's `todos` collection, persisted in main's file through the window's ipcRenderer. */
export function openTodos(window: EmulatedWindow, options: { id?: string; schemaVersion?: number } = {}) {
  const persistence = createElectronSQLitePersistence({ ipcRenderer: window.ipcRenderer })
  const todos = createCollection(
    persistedCollectionOptions<Todo, string>({
      id: options.id ?? 'todos',
      getKey: (todo) => todo.id,
      persistence,
      schemaVersion: options.schemaVersion ?? 1,
    }),
  )
  return { persistence, todos }
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
