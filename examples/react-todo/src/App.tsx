import { Component, Suspense, useState, type FormEvent, type ReactNode } from 'react'
import { useLiveQuery, useLiveSuspenseQuery } from '@tanstack/react-db'
import { useCommitLog } from './commit-log'
import { useSaveStatus } from './save-status'
import type { TodoCollections } from './collections'

type Props = Pick<TodoCollections, 'todos' | 'shared'>

/**
 * Both lists read through `useLiveSuspenseQuery`: with PersistDB the first
 * render waits for the rows restored from disk (or for the server, if it
 * answers within `networkTimeoutMs`), so the list never shows up empty or
 * loading when rows are saved. The Suspense fallback is deliberately blank.
 */
export function App({ todos, shared }: Props) {
  const { track, view } = useSaveStatus()
  return (
    <main>
      <h1>Todos</h1>
      <Summary todos={todos} />
      <AddForm
        placeholder="What needs doing?"
        name="todo"
        onAdd={(text) =>
          track(todos.insert({ id: crypto.randomUUID(), text, done: false, createdAt: Date.now() }))
        }
      />
      <ListBoundary list="todos">
        <LocalTodos todos={todos} track={track} />
      </ListBoundary>
      <h2>Shared with the server</h2>
      <AddForm
        placeholder="Tell everyone"
        name="shared"
        onAdd={(text) => track(shared.insert({ id: crypto.randomUUID(), text, createdAt: Date.now() }))}
      />
      <ListBoundary list="shared">
        <SharedTodos shared={shared} />
      </ListBoundary>
      {view}
    </main>
  )
}

type Track = ReturnType<typeof useSaveStatus>['track']

function LocalTodos({ todos, track }: Pick<Props, 'todos'> & { track: Track }) {
  const { data } = useLiveSuspenseQuery(
    (q) => q.from({ todo: todos }).orderBy(({ todo }) => todo.createdAt, 'asc'),
    [todos],
  )
  useCommitLog('todos', data.length)
  if (data.length === 0) return <Empty list="todos" />
  return (
    <ul data-list="todos">
      {data.map((todo) => (
        <li key={todo.id} className={todo.done ? 'done' : ''} data-id={todo.id}>
          <input
            type="checkbox"
            checked={todo.done}
            onChange={(event) => {
              const done = event.currentTarget.checked
              track(todos.update(todo.id, (draft) => void (draft.done = done)))
            }}
          />
          <span>{todo.text}</span>
          <button onClick={() => track(todos.delete(todo.id))} aria-label="delete">
            ×
          </button>
        </li>
      ))}
    </ul>
  )
}

/**
 * Without Suspense: `useLiveQuery` reports `isPersistedReady` once PersistDB has restored the saved rows
 * (PersistDB feeds TanStack DB's persisted-readiness signal), so this line never claims "0" while the rows
 * are still on their way from disk.
 */
function Summary({ todos }: Pick<Props, 'todos'>) {
  const { data, isReady, isPersistedReady } = useLiveQuery((q) => q.from({ todo: todos }), [todos])
  const shown = isReady || isPersistedReady
  useCommitLog('summary', shown ? data.length : -1)
  if (!shown) return null
  const open = data.filter((todo) => !todo.done).length
  return (
    <p className="status" data-list="summary" data-rows={data.length}>
      {open} of {data.length} to do
    </p>
  )
}

function SharedTodos({ shared }: Pick<Props, 'shared'>) {
  const { data } = useLiveSuspenseQuery(
    (q) => q.from({ todo: shared }).orderBy(({ todo }) => todo.createdAt, 'asc'),
    [shared],
  )
  useCommitLog('shared', data.length)
  if (data.length === 0) return <Empty list="shared" />
  return (
    <ul data-list="shared">
      {data.map((todo) => (
        <li key={todo.id} data-id={todo.id}>
          <span>{todo.text}</span>
        </li>
      ))}
    </ul>
  )
}

function Empty({ list }: { list: string }) {
  return (
    <p className="empty" data-list={list}>
      Nothing here yet.
    </p>
  )
}

function AddForm({
  placeholder,
  name,
  onAdd,
}: {
  placeholder: string
  name: string
  onAdd: (text: string) => unknown
}) {
  const [text, setText] = useState('')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const trimmed = text.trim()
    if (!trimmed) return
    onAdd(trimmed)
    setText('')
  }
  return (
    <form onSubmit={submit} data-form={name}>
      <input value={text} onChange={(event) => setText(event.target.value)} placeholder={placeholder} />{' '}
      <button>Add</button>
    </form>
  )
}

/** Shows a list that could not load (e.g. the server is down and nothing was saved) instead of the list. */
class ListBoundary extends Component<{ list: string; children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {}
  static getDerivedStateFromError(error: Error) {
    return { error }
  }
  override render() {
    if (this.state.error)
      return (
        <p className="error" data-list={this.props.list}>
          Could not load: {this.state.error.message}
        </p>
      )
    return <Suspense fallback={null}>{this.props.children}</Suspense>
  }
}
