/**
 * A todo list that survives reloads and stays in step across tabs: open this
 * page in several tabs, add or tick todos in one, watch the others follow.
 */
import { createCollection } from '@tanstack/db'
import {
  createBrowserWASQLitePersistence,
  openBrowserWASQLiteOPFSDatabase,
  persistedCollectionOptions,
} from '@persistdb/browser'
import PersistWorker from '@persistdb/browser/worker?worker'

interface Todo {
  id: string
  text: string
  done: boolean
  createdAt: number
}

const status = document.querySelector<HTMLParagraphElement>('#status')!
const list = document.querySelector<HTMLUListElement>('#list')!
const form = document.querySelector<HTMLFormElement>('#add')!
const input = document.querySelector<HTMLInputElement>('#text')!

async function main(): Promise<void> {
  const database = await openBrowserWASQLiteOPFSDatabase({
    databaseName: 'browser-todo',
    worker: () => new PersistWorker(),
  })
  const persistence = createBrowserWASQLitePersistence({ database })
  const todos = createCollection(
    persistedCollectionOptions<Todo, string>({ id: 'todos', getKey: (todo) => todo.id, persistence }),
  )

  const render = () => {
    const rows = [...todos.toArray].sort((a, b) => a.createdAt - b.createdAt)
    list.replaceChildren(
      ...rows.map((todo) => {
        const item = document.createElement('li')
        item.className = todo.done ? 'done' : ''
        item.dataset.id = todo.id
        const box = document.createElement('input')
        box.type = 'checkbox'
        box.checked = todo.done
        box.onchange = () => todos.update(todo.id, (draft) => void (draft.done = box.checked))
        const text = document.createElement('span')
        text.textContent = todo.text
        const remove = document.createElement('button')
        remove.textContent = '×'
        remove.onclick = () => todos.delete(todo.id)
        item.append(box, text, remove)
        return item
      }),
    )
    const leader = database.coordinator.isLeader() ? 'this tab leads' : 'another tab leads'
    status.textContent = `${rows.length} todo(s), stored in OPFS; ${leader}.`
  }

  form.onsubmit = (event) => {
    event.preventDefault()
    const text = input.value.trim()
    if (!text) return
    todos.insert({ id: crypto.randomUUID(), text, done: false, createdAt: Date.now() })
    input.value = ''
  }

  await todos.preload()
  todos.subscribeChanges(render)
  database.coordinator.onLeaderChange(render)
  render()
}

main().catch((error: unknown) => {
  status.textContent = `PersistDB could not start: ${error instanceof Error ? error.message : String(error)}`
  console.error(error)
})
