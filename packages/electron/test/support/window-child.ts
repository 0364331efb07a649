/**
 * A window whose renderer is its own process (so a test can SIGKILL it
 * mid-commit): its ipcRenderer invokes travel to the test process, which
 * routes them to main like any other window's. On `{ t: 'insert', count }`
 * it inserts `count` rows in one transaction and reports `{ t: 'sent' }`.
 */
import { createCollection } from '@tanstack/db'
import { persistedCollectionOptions } from '@persistdb/core'
import { createElectronSQLitePersistence } from '../../src/renderer'
import { EmulatedIpcRenderer, type InvokeResult } from './emulated-renderer'

type FromRouter =
  | { t: 'invoke-result'; id: number; ok: true; value: unknown }
  | { t: 'invoke-result'; id: number; ok: false; message: string }
  | { t: 'send'; channel: string; args: unknown[] }
  | { t: 'insert'; prefix: string; count: number }

const pending = new Map<number, (result: InvokeResult) => void>()
let next = 1
const ipcRenderer = new EmulatedIpcRenderer(
  (channel, args) =>
    new Promise((resolve) => {
      const id = next++
      pending.set(id, resolve)
      process.send?.({ t: 'invoke', id, channel, args })
    }),
)

const persistence = createElectronSQLitePersistence({ ipcRenderer })
const todos = createCollection(
  persistedCollectionOptions<{ id: string; title: string }, string>({
    id: 'todos',
    getKey: (todo) => todo.id,
    persistence,
    schemaVersion: 1,
  }),
)

process.on('message', (message: FromRouter) => {
  if (message.t === 'invoke-result') {
    const resolve = pending.get(message.id)
    pending.delete(message.id)
    resolve?.(message.ok ? { ok: true, value: message.value } : { ok: false, message: message.message })
  } else if (message.t === 'send') ipcRenderer.deliver(message.channel, message.args)
  else if (message.t === 'insert') {
    const rows = Array.from({ length: message.count }, (_, i) => ({
      id: `${message.prefix}-${i}`,
      title: 'x'.repeat(64),
    }))
    todos.insert(rows)
    process.send?.({ t: 'sent' })
  }
})

void todos.preload().then(() => process.send?.({ t: 'ready' }))
