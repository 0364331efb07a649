/**
 * TabWorker: the lifecycle of one tab's worker. It starts the worker, learns of its death without a
 * heartbeat (the worker holds a Web Lock for its whole life; the browser grants it to the tab when the
 * worker dies: crash, terminate, out of memory) and starts a new one after a bounded backoff, so a tab
 * whose worker died can lead again.
 */
import { PersistenceUnavailableError } from './errors'
import { workerLock, type WorkerCommand, type WorkerEvent } from './protocol'

/**
 * A dead worker is replaced after 100 ms, doubling per consecutive quick death (one that lived under
 * STABLE_MS); after MAX_QUICK_RESTARTS of those in a row the tab gives up (a broken worker script, not a
 * crash) and its requests fail fast with LeaderUnavailableError.
 */
const RESTART_BASE_MS = 100
const STABLE_MS = 30_000
const MAX_QUICK_RESTARTS = 5

export type InitCommand = Omit<Extract<WorkerCommand, { t: 'init' }>, 'workerLock'>

export interface TabWorkerHooks {
  /** Any event of the current worker but `started`. */
  onEvent(message: WorkerEvent): void
  /** The current worker died (before a replacement is scheduled). */
  onGone(): void
  /** A replacement worker is being started. */
  onRestart(): void
}

export class TabWorker {
  /** Resolves once the first worker reports what storage it has; rejects where the browser lacks it. */
  readonly started: Promise<void>
  /** Where this tab's worker stores the database: 'opfs', the 'indexeddb' fallback, or undefined. */
  storage: 'opfs' | 'indexeddb' | undefined
  private worker!: Worker
  /** Counts this tab's workers; events from an older (dead) one are ignored. */
  private generation = 0
  private state: 'starting' | 'running' | 'dead' = 'starting'
  private startedAt = 0
  private quickDeaths = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private restartDisabled = false
  private closed = false
  private resolveStarted!: () => void
  private rejectStarted!: (error: unknown) => void

  constructor(
    private readonly create: () => Worker,
    private readonly init: InitCommand,
    private readonly hooks: TabWorkerHooks,
  ) {
    this.started = new Promise<void>((resolve, reject) => {
      this.resolveStarted = resolve
      this.rejectStarted = reject
    })
    this.started.catch(() => undefined)
    this.spawn()
  }

  /** True while the current worker runs (it can take this tab's requests). */
  get running(): boolean {
    return this.state === 'running'
  }

  /** True while a replacement worker is starting or about to: a leader may still come from this tab. */
  get coming(): boolean {
    return this.timer !== undefined || (this.generation > 1 && this.state === 'starting')
  }

  post(command: WorkerCommand): void {
    this.worker.postMessage(command)
  }

  /** Test hook: kills the worker as a crash would; `restart: false` leaves it dead (a worker that cannot come back). */
  terminateForTest(restart: boolean): void {
    if (!restart) this.restartDisabled = true
    this.worker.terminate()
  }

  private spawn(): void {
    const generation = ++this.generation
    const first = generation === 1
    this.state = 'starting'
    this.startedAt = Date.now()
    let worker: Worker
    try {
      worker = this.create()
    } catch (error) {
      if (first) throw error
      this.gone(generation, `could not be created (${String(error)})`)
      return
    }
    this.worker = worker
    const lock = workerLock(this.init.databaseName, this.init.clientId, generation)
    worker.onmessage = (event: MessageEvent<WorkerEvent>) => {
      if (generation !== this.generation) return
      const message = event.data
      if (message.t !== 'started') return this.hooks.onEvent(message)
      this.storage ??= message.storage
      if (!message.storage) {
        this.state = 'dead'
        this.rejectStarted(
          new PersistenceUnavailableError(
            'OPFS synchronous access handles (FileSystemFileHandle.createSyncAccessHandle) are missing in workers',
          ),
        )
        return
      }
      this.state = 'running'
      this.resolveStarted()
      // The worker holds `lock` until it dies; then the browser grants it here.
      void navigator.locks.request(lock, () => this.gone(generation, 'died'))
    }
    worker.onerror = (event) => {
      // An uncaught error in a running worker does not end it (its death shows through the lock); one before
      // 'started' means the script failed to load or run.
      if (generation !== this.generation || this.state !== 'starting') return
      const why = `failed to start (${event.message || 'error'})`
      if (first) {
        this.rejectStarted(new PersistenceUnavailableError(`the PersistDB worker ${why}`))
        return
      }
      worker.terminate()
      this.gone(generation, why)
    }
    worker.postMessage({ ...this.init, workerLock: lock } satisfies WorkerCommand)
  }

  private gone(generation: number, why: string): void {
    if (this.closed || generation !== this.generation || this.state === 'dead') return
    this.state = 'dead'
    const name = this.init.databaseName
    const quick = Date.now() - this.startedAt < STABLE_MS
    this.quickDeaths = quick ? this.quickDeaths + 1 : 0
    const giveUp = this.restartDisabled || this.quickDeaths > MAX_QUICK_RESTARTS
    if (!giveUp) {
      const delay = RESTART_BASE_MS * 2 ** Math.max(0, this.quickDeaths - 1)
      console.warn(`[persistdb] this tab's worker for "${name}" ${why}; restarting in ${delay} ms`)
      this.timer = setTimeout(() => {
        this.timer = undefined
        if (this.closed) return
        this.hooks.onRestart()
        this.spawn()
      }, delay)
    } else {
      console.error(
        `[persistdb] this tab's worker for "${name}" ${why}; not starting another ` +
          `(${this.restartDisabled ? 'disabled' : `${MAX_QUICK_RESTARTS} quick restarts failed`})`,
      )
    }
    this.hooks.onGone()
  }

  /** Asks the worker to step down cleanly (handing leadership on), then ends it. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    const worker = this.worker
    const closedAck = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000)
      worker.addEventListener('message', (event: MessageEvent<WorkerEvent>) => {
        if (event.data.t === 'closed') {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    worker.postMessage({ t: 'close' } satisfies WorkerCommand)
    await closedAck
    worker.terminate()
  }
}
