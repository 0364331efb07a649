/**
 * The worker every tab starts. It checks what the browser offers, then queues
 * for the leader lock; while it holds the lock it is the leader (leader.ts).
 * Losing the worker (tab closed, crashed, terminated) releases the lock and
 * the next tab's worker takes over.
 */
import { toEnvelope } from '@persistdb/core/remote'
import { Leader } from './leader'
import {
  inboxChannel,
  leaderLock,
  randomId,
  type Request,
  type WorkerCommand,
  type WorkerEvent,
} from './protocol'
import { hasOpfsSyncAccess } from './sqlite'

const scope = self as unknown as {
  postMessage(message: WorkerEvent): void
  onmessage: ((event: MessageEvent<WorkerCommand>) => void) | null
}

let leader: Leader | undefined
let closing = false
let releaseLock: (() => void) | undefined
let inbox: BroadcastChannel | undefined
let databaseName = ''
const waiting = new AbortController()

function post(message: WorkerEvent): void {
  scope.postMessage(message)
}

scope.onmessage = (event) => {
  const command = event.data
  if (command.t === 'init') void start(command)
  else if (command.t === 'request') serve(command.request)
  else if (command.t === 'close') void close()
}

/** The tab sends here while it believes this worker leads; if it no longer does, the request goes to whoever does. */
function serve(request: Request): void {
  if (leader?.serving) return leader.onRequest(request)
  inbox ??= new BroadcastChannel(inboxChannel(databaseName))
  inbox.postMessage(request)
}

async function start(init: Extract<WorkerCommand, { t: 'init' }>): Promise<void> {
  databaseName = init.databaseName
  const opfs = hasOpfsSyncAccess()
  const storage = opfs
    ? 'opfs'
    : init.fallback === 'indexeddb' && 'indexedDB' in self
      ? 'indexeddb'
      : undefined
  // Held for this worker's whole life: the tab queues for it, and the browser grants it to the tab when this
  // worker dies (crash, terminate, out of memory) — the tab's cue to start a new worker, with no heartbeat.
  await new Promise<void>((held) => {
    void navigator.locks.request(init.workerLock, () => {
      held()
      return new Promise<never>(() => undefined)
    })
  })
  post({ t: 'started', opfs, storage })
  if (!storage) return
  const leaderId = randomId()
  const log = (message: string) => post({ t: 'log', message })
  const onLock = async () => {
    if (closing) return
    try {
      leader = await Leader.start({
        databaseName: init.databaseName,
        leaderId,
        openTimeoutMs: init.openTimeoutMs,
        txIdleMs: init.txIdleMs,
        testHooks: init.testHooks,
        idleCheckpointMs: storage === 'opfs' ? 300 : 0,
        log,
        ownClient: init.clientId,
        replyToOwnTab: (response) => post({ t: 'response', response }),
        storage,
        ...(init.wasmUrl ? { wasmUrl: init.wasmUrl } : {}),
        ...(init.asyncWasmUrl ? { asyncWasmUrl: init.asyncWasmUrl } : {}),
      })
    } catch (error) {
      // Give the lock to the next tab; this worker stays a plain client host.
      post({ t: 'open-failed', error: toEnvelope(error, 'SQL') })
      return
    }
    post({ t: 'leading', term: leader.term })
    // Hold the lock until the leader steps down or the tab closes it.
    await Promise.race([leader.done, new Promise<void>((resolve) => (releaseLock = resolve))])
    await leader.stop()
  }
  try {
    await navigator.locks.request(leaderLock(init.databaseName), { signal: waiting.signal }, onLock)
  } catch (error) {
    if (!closing) post({ t: 'open-failed', error: toEnvelope(error, 'SQL') })
  }
}

async function close(): Promise<void> {
  closing = true
  waiting.abort()
  await leader?.stop()
  releaseLock?.()
  post({ t: 'closed' })
}
