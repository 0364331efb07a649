/**
 * BrowserCollectionCoordinator: one per tab and database. It starts the tab's
 * worker (which queues for leadership), holds the tab's own Web Lock (so a
 * leader can tell that this tab died), follows leader announcements, and
 * carries this tab's statements to whichever tab leads.
 */
import { PersistenceClosedError } from '@persistdb/core'
import { LeaderUnavailableError, PersistenceUnavailableError, type TabProtocolMismatchError } from './errors'
import {
  checkDatabaseName,
  defaultWorker,
  missingFeature,
  newStats,
  positive,
  type BrowserCoordinatorOptions,
  type CoordinatorStats,
  type LeaderInfo,
} from './coordinator-options'
import { LeaderLostError, openFailureError, remoteFailure } from './remote-failure'
import { foreignLeader } from './tab-protocol'
import { TabWorker } from './tab-worker'
import {
  announceChannel,
  clientChannel,
  inboxChannel,
  leaderLock,
  randomId,
  TAB_PROTOCOL,
  tabLock,
  type Announcement,
  type ErrorEnvelope,
  type LeaderHook,
  type Request,
  type Response,
  type WorkerEvent,
} from './protocol'

export type { BrowserCoordinatorOptions, CoordinatorStats, LeaderInfo } from './coordinator-options'

type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id' | 'client'> : never) : never

interface Pending {
  message: Request
  term: number
  resolve(response: Extract<Response, { ok: true }>): void
  reject(error: unknown): void
  timer: ReturnType<typeof setTimeout> | undefined
  startedAt: number
}

const HARD_REQUEST_LIMIT_MS = 60_000
export class BrowserCollectionCoordinator {
  readonly databaseName: string
  readonly clientId = randomId()
  readonly stats: CoordinatorStats = newStats()
  private readonly leaderTimeoutMs: number
  private readonly openTimeoutMs: number
  private readonly rpcTimeoutMs: number
  private readonly worker: TabWorker
  private readonly announce: BroadcastChannel
  private readonly inbox: BroadcastChannel
  private readonly replies: BroadcastChannel
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private leader: { term: number; leaderId: string } | undefined
  private ownTerm: number | undefined
  private leaderWaiters = new Set<() => void>()
  private readonly changeListeners = new Set<() => void>()
  private readonly leaderListeners = new Set<(info: LeaderInfo | undefined) => void>()
  private releaseTabLock: (() => void) | undefined
  private closed = false
  private openFailure: ErrorEnvelope | undefined
  /** Set while the leader announced speaks another tab protocol (another PersistDB build). */
  private foreignLeader: TabProtocolMismatchError | undefined
  /** Resolves with whether this browser offers OPFS sync access handles in workers. */
  readonly started: Promise<void>

  constructor(options: BrowserCoordinatorOptions) {
    const databaseName = checkDatabaseName(options?.databaseName)
    const missing = missingFeature()
    if (missing) throw new PersistenceUnavailableError(missing)
    this.databaseName = databaseName
    this.leaderTimeoutMs = positive(options.leaderTimeoutMs ?? 1500, 'leaderTimeoutMs')
    this.openTimeoutMs = positive(options.openTimeoutMs ?? 15_000, 'openTimeoutMs')
    this.rpcTimeoutMs = positive(options.rpcTimeoutMs ?? 1000, 'rpcTimeoutMs')
    const txIdleMs = positive(options.txIdleMs ?? 1000, 'txIdleMs')
    const db = this.databaseName

    // The tab lock lives as long as this tab: a leader that finds it gone rolls back our open transaction.
    void navigator.locks.request(
      tabLock(db, this.clientId),
      () => new Promise<void>((release) => (this.releaseTabLock = release)),
    )

    this.replies = new BroadcastChannel(clientChannel(db, this.clientId))
    this.replies.onmessage = (event: MessageEvent<Response>) => this.onResponse(event.data)
    this.inbox = new BroadcastChannel(inboxChannel(db))
    this.announce = new BroadcastChannel(announceChannel(db))
    this.announce.onmessage = (event: MessageEvent<Announcement>) => this.onAnnouncement(event.data)

    this.worker = new TabWorker(
      options.worker ?? (() => defaultWorker(db)),
      {
        t: 'init',
        databaseName: db,
        clientId: this.clientId,
        openTimeoutMs: this.openTimeoutMs,
        txIdleMs,
        testHooks: options.testHooks === true,
        ...(options.wasmUrl ? { wasmUrl: options.wasmUrl } : {}),
        ...(options.asyncWasmUrl ? { asyncWasmUrl: options.asyncWasmUrl } : {}),
        ...(options.fallback ? { fallback: options.fallback } : {}),
      },
      {
        onEvent: (message) => this.onWorkerEvent(message),
        onGone: () => this.onWorkerGone(),
        onRestart: () => this.stats.workerRestarts++,
      },
    )
    this.started = this.worker.started
    this.announce.postMessage({ t: 'who' } satisfies Announcement)
  }

  /** True while this tab's worker is the leader. */
  isLeader(): boolean {
    return this.ownTerm !== undefined && this.ownTerm === this.leader?.term
  }

  /** The current leader, as far as this tab knows. */
  leaderInfo(): LeaderInfo | undefined {
    return this.leader && { ...this.leader, isLeader: this.isLeader() }
  }

  /** Called with the new leader whenever leadership moves (and with undefined when it is lost). */
  onLeaderChange(listener: (info: LeaderInfo | undefined) => void): () => void {
    this.leaderListeners.add(listener)
    return () => this.leaderListeners.delete(listener)
  }

  /** Called after any tab committed a transaction (and after a failover): time to look at the change log. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener)
    return () => this.changeListeners.delete(listener)
  }

  /** Test hook (worker started with testHooks: true): makes the current leader misbehave once. */
  injectLeaderFault(hook: LeaderHook): void {
    this.announce.postMessage({ t: 'hook', hook } satisfies Announcement)
  }

  /**
   * Test hook: kills this tab's worker as a crash would (no clean-up runs in it). The tab notices as it
   * would a real crash and starts a new worker, unless `respawn` is false (a worker that cannot come back).
   */
  terminateWorkerForTest(options: { respawn?: boolean } = {}): void {
    this.worker.terminateForTest(options.respawn !== false)
  }

  /** Where this tab's worker would store the database: 'opfs', the 'indexeddb' fallback, or undefined. */
  get storage(): 'opfs' | 'indexeddb' | undefined {
    return this.worker.storage
  }

  /** This tab's worker died: if it led, its leadership (and what was sent to it) is lost now, not after a timeout. */
  private onWorkerGone(): void {
    const ownTerm = this.ownTerm
    this.ownTerm = undefined
    if (ownTerm !== undefined && this.leader?.term === ownTerm) {
      this.leader = undefined
      for (const [id, pending] of this.pending)
        if (pending.term === ownTerm) this.abandon(id, new LeaderLostError())
      for (const listener of this.leaderListeners) listener(undefined)
    }
    for (const wake of this.leaderWaiters) wake()
  }

  private onWorkerEvent(message: WorkerEvent): void {
    if (message.t === 'response') this.onResponse(message.response)
    else if (message.t === 'leading') {
      this.ownTerm = message.term
      this.setLeader({ term: message.term, leaderId: this.leader?.leaderId ?? '' }, true)
    } else if (message.t === 'open-failed') {
      this.openFailure = message.error
      console.error(`[persistdb] this tab could not lead "${this.databaseName}": ${message.error.message}`)
    } else if (message.t === 'log') {
      console.debug(`[persistdb:${this.databaseName}] ${message.message}`)
    }
  }

  private onAnnouncement(message: Announcement): void {
    if (message.t === 'leader') {
      const foreign = foreignLeader(this.databaseName, message.protocol)
      if (foreign) this.refuseLeader(foreign)
      else this.setLeader({ term: message.term, leaderId: message.leaderId }, false)
    } else if (message.t === 'changed') {
      if (!this.leader || message.term > this.leader.term)
        this.announce.postMessage({ t: 'who' } satisfies Announcement)
      this.emitChange()
    }
  }

  private setLeader(next: { term: number; leaderId: string }, fromOwnWorker: boolean): void {
    const current = this.leader
    if (current && next.term < current.term) return
    if (current && next.term === current.term) {
      if (!current.leaderId && next.leaderId) current.leaderId = next.leaderId
      if (!fromOwnWorker) return
    }
    const changed = !current || current.term !== next.term
    this.leader = { term: next.term, leaderId: next.leaderId || current?.leaderId || '' }
    this.openFailure = undefined
    this.foreignLeader = undefined
    if (changed) {
      this.stats.leaderChanges++
      // Whatever went to an older leader is lost with it; callers recover (reads retry, transactions re-check).
      for (const [id, pending] of this.pending)
        if (pending.term < next.term) this.abandon(id, new LeaderLostError())
      // A failover is not a gap: the change log is in the file. Look at it now.
      this.emitChange()
    }
    if (changed || fromOwnWorker) {
      const info = this.leaderInfo()
      for (const listener of this.leaderListeners) listener(info)
    }
    for (const wake of this.leaderWaiters) wake()
  }

  /** A tab of another PersistDB build leads: nothing is sent to it; requests fail with a clear error. */
  private refuseLeader(error: TabProtocolMismatchError): void {
    this.foreignLeader = error
    for (const id of [...this.pending.keys()]) this.abandon(id, this.foreignLeader)
    for (const wake of this.leaderWaiters) wake()
  }

  private emitChange(): void {
    for (const listener of this.changeListeners) listener()
  }

  /**
   * Resolves with the current leader's term; waits for one to be announced.
   * Fails fast (leaderTimeoutMs) when no tab holds the leader lock, waits up to
   * openTimeoutMs while a tab holds it but is still opening the file.
   */
  async waitForLeader(): Promise<number> {
    if (this.closed) throw new PersistenceClosedError()
    if (this.foreignLeader) throw this.foreignLeader
    if (this.leader) return this.leader.term
    const started = Date.now()
    this.announce.postMessage({ t: 'who' } satisfies Announcement)
    for (;;) {
      const got = await this.waitForAnnouncement(this.leaderTimeoutMs)
      if (this.closed) throw new PersistenceClosedError()
      if (this.foreignLeader) throw this.foreignLeader
      const leader = this.leader as { term: number } | undefined // set by an announcement meanwhile
      if (got && leader) return leader.term
      const waited = Date.now() - started
      if (this.openFailure) throw openFailureError(this.openFailure, this.databaseName, waited)
      const held = (await this.leaderLockHeld()) || this.worker.coming
      if (!held || waited >= this.openTimeoutMs) throw new LeaderUnavailableError(this.databaseName, waited)
    }
  }

  private waitForAnnouncement(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.leaderWaiters.delete(wake)
        resolve(true)
      }
      const timer = setTimeout(() => {
        this.leaderWaiters.delete(wake)
        resolve(false)
      }, ms)
      this.leaderWaiters.add(wake)
    })
  }

  private async leaderLockHeld(): Promise<boolean> {
    const state = await navigator.locks.query()
    return (state.held ?? []).some((lock) => lock.name === leaderLock(this.databaseName))
  }

  /**
   * Sends one request to the current leader and resolves with its answer.
   * Rejects with LeaderLostError when that leader goes away first, RemoteError
   * when it answers with an error.
   */
  async request(body: RequestBody): Promise<Extract<Response, { ok: true }>> {
    const term = await this.waitForLeader()
    const message = { ...body, id: this.nextId++, client: this.clientId, v: TAB_PROTOCOL } as Request
    this.stats.requests++
    return new Promise((resolve, reject) => {
      const pending: Pending = { message, term, resolve, reject, timer: undefined, startedAt: Date.now() }
      this.pending.set(message.id, pending)
      this.arm(pending)
      this.send(message)
    })
  }

  /** To this tab's own worker while it leads (one postMessage each way), else over the inbox channel. */
  private send(message: Request): void {
    if (this.isLeader() && this.worker.running) {
      this.stats.viaOwnWorker++
      this.worker.post({ t: 'request', request: message })
    } else this.inbox.postMessage(message)
  }

  private arm(pending: Pending): void {
    pending.timer = setTimeout(() => void this.onLate(pending), this.rpcTimeoutMs)
  }

  /** An answer is late: is the leader still there? Resend what the leader dedupes; give up when it is gone. */
  private async onLate(pending: Pending): Promise<void> {
    if (!this.pending.has(pending.message.id)) return
    this.stats.timeouts++
    let held = true
    try {
      held = await this.leaderLockHeld()
    } catch {
      // Keep waiting; the hard limit still applies.
    }
    if (!this.pending.has(pending.message.id)) return
    if (!held) {
      // Nobody leads: forget the leader so the next request waits (and fails fast if none comes).
      if (this.leader?.term === pending.term) {
        this.leader = undefined
        for (const listener of this.leaderListeners) listener(undefined)
      }
      this.abandon(pending.message.id, new LeaderLostError())
      return
    }
    if (Date.now() - pending.startedAt > HARD_REQUEST_LIMIT_MS) {
      this.abandon(pending.message.id, new LeaderLostError())
      return
    }
    if (pending.message.t === 'tx' || pending.message.t === 'rollback') {
      // Transaction requests are deduplicated by the leader (txId, attempt, request id): safe to resend. A
      // read or a VACUUM is not resent: it is answered once served (a long VACUUM is still running).
      this.stats.resends++
      this.send(pending.message)
    }
    this.arm(pending)
  }

  private abandon(id: number, error: unknown): void {
    const pending = this.pending.get(id)
    if (!pending) return
    this.pending.delete(id)
    clearTimeout(pending.timer)
    if (error instanceof LeaderLostError) this.stats.leaderLost++
    pending.reject(error)
  }

  private onResponse(response: Response): void {
    const pending = this.pending.get(response.id)
    if (!pending) return // a duplicate answer to a resent request
    if (response.term > (this.leader?.term ?? 0)) {
      this.setLeader({ term: response.term, leaderId: '' }, false)
    }
    this.pending.delete(response.id)
    clearTimeout(pending.timer)
    if (response.ok) {
      this.stats.rowsReceived += response.rows?.length ?? 0
      pending.resolve(response)
    } else pending.reject(remoteFailure(response.error))
  }

  /** Stops this tab's worker (handing leadership on) and releases the tab lock. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const id of [...this.pending.keys()]) this.abandon(id, new PersistenceClosedError())
    for (const wake of this.leaderWaiters) wake()
    await this.worker.close()
    this.announce.close()
    this.inbox.close()
    this.replies.close()
    this.releaseTabLock?.()
  }
}
