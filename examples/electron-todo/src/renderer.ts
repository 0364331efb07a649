/**
 * The page: a TanStack DB collection persisted in main's SQLite file through
 * the preload's bridge. Every window sees every other window's changes.
 */
import { createCollection } from '@tanstack/db'
import {
  createElectronSQLitePersistence,
  persistedCollectionOptions,
  type PersistDBBridge,
} from '@persistdb/electron'

interface Todo {
  id: string
  title: string
  done: boolean
  createdAt: number
}

declare global {
  interface Window {
    /** Put there by preload.ts (exposePersistDBBridge). */
    persistdb: PersistDBBridge
  }
}

const persistence = createElectronSQLitePersistence({
  bridge: window.persistdb,
})

const todos = createCollection(
  persistedCollectionOptions<Todo, string>({
    id: 'todos',
    getKey: (todo) => todo.id,
    persistence,
    schemaVersion: 1,
  }),
)

const list = document.querySelector<HTMLUListElement>('#todos')!
const form = document.querySelector<HTMLFormElement>('#add')!
const input = document.querySelector<HTMLInputElement>('#title')!
const status = document.querySelector<HTMLParagraphElement>('#status')!

function render(): void {
  const items = [...todos.values()].sort((a, b) => a.createdAt - b.createdAt)
  list.replaceChildren(
    ...items.map((todo) => {
      const item = document.createElement('li')
      const box = document.createElement('input')
      box.type = 'checkbox'
      box.checked = todo.done
      box.addEventListener('change', () => {
        todos.update(todo.id, (draft) => {
          draft.done = box.checked
        })
      })
      const label = document.createElement('span')
      label.textContent = todo.title
      const remove = document.createElement('button')
      remove.textContent = '×'
      remove.addEventListener('click', () => todos.delete(todo.id))
      item.append(box, label, remove)
      return item
    }),
  )
  status.textContent = `${items.length} todo${items.length === 1 ? '' : 's'} in main's SQLite file`
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  const title = input.value.trim()
  if (!title) return
  const tx = todos.insert({
    id: crypto.randomUUID(),
    title,
    done: false,
    createdAt: Date.now(),
  })
  input.value = ''
  // A write main refused (or could not store) is reported, never lost silently.
  tx.isPersisted.promise.catch((error: unknown) => {
    status.textContent = `Not saved: ${error instanceof Error ? error.message : String(error)}`
  })
})

todos.subscribeChanges(render, { includeInitialState: true })
void todos.preload().then(render)
