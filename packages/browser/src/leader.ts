/**
 * The leader: the one worker (of all tabs of an origin) that holds the Web
 * Lock `persistdb:<db>:leader` and with it the only connection to the file.
 * It runs every tab's statements, one transaction at a time (FIFO), fences
 * each COMMIT with its term and records each committed transaction id in a
 * durable dedupe table, so a client that lost an answer can learn whether its
 * transaction was applied, even from the next leader (leader-ledger.ts, on the
 * shared remote protocol of `@persistdb/core/remote`).
 */
import { LeaderFencedError, type SQLiteRow } from '@persistdb/core'
import { toEnvelope, type ErrorEnvelope } from '@persistdb/core/remote'
import {
  announceChannel,
  TAB_PROTOCOL,
  inboxChannel,
  type Announcement,
  type Request,
  type Response,
} from './protocol'
import { WorkerDatabase } from './sqlite'
import { foreignRequest } from './tab-protocol'
import { CommitLedger } from './leader-ledger'
import { LeaderReplies } from './leader-replies'
import { LeaderHooks } from './leader-hooks'
import { TxWatchdog } from './leader-watchdog'
import { txUnknown, type ActiveTx, type LeaderOptions, type TxRequest, type TxStep } from './leader-types'

export class Leader {
  private readonly inbox: BroadcastChannel
  private readonly announce: BroadcastChannel
  private readonly replies: LeaderReplies
  private readonly hooks: LeaderHooks
  private readonly watchdog: TxWatchdog
  private readonly queue: Array<Extract<Request, { t: 'all' | 'vacuum' }> | TxStep> = []
  private active: ActiveTx | undefined
  private busy = false
  private chain: Promise<unknown> = Promise.resolve()
  private idleCheckpoint: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private resolveDone!: () => void
  /** Settles once the leader stepped down (closed, or fenced by a newer term). */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve))

  readonly term: number

  private constructor(
    private readonly db: WorkerDatabase,
    private readonly ledger: CommitLedger,
    private readonly options: LeaderOptions,
  ) {
    this.term = ledger.term
    this.replies = new LeaderReplies(options.databaseName, options.ownClient, options.replyToOwnTab)
    this.hooks = new LeaderHooks(options.log)
    this.watchdog = new TxWatchdog(
      options.databaseName,
      options.txIdleMs,
      () => this.active,
      (why) => this.rollbackActive(why),
    )
    this.inbox = new BroadcastChannel(inboxChannel(options.databaseName))
    this.announce = new BroadcastChannel(announceChannel(options.databaseName))
    this.inbox.onmessage = (event: MessageEvent<Request>) => this.onRequest(event.data)
    this.announce.onmessage = (event: MessageEvent<Announcement>) => this.onAnnouncement(event.data)
  }

  /** Opens the file and takes the next term in a write transaction: from then on no older leader can commit. */
  static async start(options: LeaderOptions): Promise<Leader> {
    const db = await WorkerDatabase.open(options, (attempt, error) =>
      options.log(`open attempt ${attempt} failed (${String(error)}); retrying`),
    )
    try {
      const ledger = await CommitLedger.start(db)
      const { term } = ledger
      const leader = new Leader(db, ledger, options)
      leader.publish({ t: 'leader', term, leaderId: options.leaderId, protocol: TAB_PROTOCOL })
      return leader
    } catch (error) {
      await db.close().catch(() => undefined)
      throw error
    }
  }

  private publish(message: Announcement): void {
    if (!this.stopped) this.announce.postMessage(message)
  }

  private onAnnouncement(message: Announcement): void {
    if (message.t === 'who')
      this.publish({ t: 'leader', term: this.term, leaderId: this.options.leaderId, protocol: TAB_PROTOCOL })
    else if (message.t === 'hook' && this.options.testHooks) this.hooks.add(message.hook)
  }

  private reply(client: string, response: Response): void {
    if (!this.stopped) this.replies.send(client, response)
  }

  private ok(request: Request, extra: { rows?: readonly SQLiteRow[]; applied?: boolean } = {}): Response {
    const response: Response = { id: request.id, term: this.term, ok: true, ...extra }
    this.reply(request.client, response)
    return response
  }

  private fail(request: Request, error: ErrorEnvelope): Response {
    const response: Response = { id: request.id, term: this.term, ok: false, error }
    this.reply(request.client, response)
    return response
  }

  /** Every database call runs through one chain: wa-sqlite calls must not interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.then(work)
    this.chain = result.catch(() => undefined)
    return result
  }

  /** True until this leader stepped down: its worker serves its own tab's requests directly meanwhile. */
  get serving(): boolean {
    return !this.stopped
  }

  onRequest(request: Request): void {
    if (this.stopped) return
    // A tab of another PersistDB build: refuse before reading anything else of its message.
    const mismatch = foreignRequest(this.options.databaseName, request)
    if (mismatch) return void this.fail(request, toEnvelope(mismatch, 'PROTOCOL'))
    if (request.t === 'all' || request.t === 'vacuum') {
      this.queue.push(request)
      return this.pump()
    }
    if (request.t === 'rollback') return void this.onRollback(request)
    if (request.begin) return this.onBegin(request)
    if (this.isActive(request)) return void this.continueTx(request, this.active!)
    if (request.commit) return void this.answerNotActiveCommit(request)
    this.fail(request, txUnknown(request.txId))
  }

  private isActive(request: TxRequest): boolean {
    return this.active?.txId === request.txId && this.active.attempt === request.attempt
  }

  private onBegin(request: TxStep): void {
    if (this.isActive(request)) {
      void this.continueTx(request, this.active!) // a resent step that opened this attempt
      return
    }
    const queued = this.queue.findIndex((r) => r.t === 'tx' && r.txId === request.txId)
    if (queued >= 0) {
      this.queue[queued] = request // answer the latest attempt only
      return
    }
    if (this.active?.txId === request.txId) {
      // The client gave up on its previous attempt (it lost an answer): that attempt never commits.
      void this.rollbackActive('superseded').then(() => {
        this.queue.unshift(request)
        this.pump()
      })
      return
    }
    this.queue.push(request)
    this.pump()
  }

  /** Runs queued reads and begins while no transaction is open: reads never see another tab's uncommitted rows. */
  private pump(): void {
    if (this.active || this.busy || this.stopped) return
    const next = this.queue.shift()
    if (!next) return
    this.busy = true
    const done = () => {
      this.busy = false
      this.pump()
    }
    if (next.t === 'all') {
      void this.exclusive(() => this.db.all(next.sql, next.params))
        .then(
          (rows) => this.ok(next, { rows }),
          (error: unknown) => this.fail(next, toEnvelope(error, 'SQL')),
        )
        .finally(done)
      return
    }
    if (next.t === 'vacuum') {
      void this.exclusive(() => this.vacuum())
        .then(
          () => this.ok(next),
          (error: unknown) => this.fail(next, toEnvelope(error, 'SQL')),
        )
        .finally(done)
      return
    }
    void this.exclusive(async () => {
      if (await this.ledger.wasApplied(next.txId)) return true
      await this.db.run('BEGIN IMMEDIATE')
      return false
    })
      .then(
        async (applied) => {
          if (applied) {
            this.ok(next, { applied: true })
            return
          }
          this.active = {
            txId: next.txId,
            attempt: next.attempt,
            client: next.client,
            n: 0,
            stepId: undefined,
            last: undefined,
            poisoned: undefined,
            lastActivity: Date.now(),
          }
          this.watchdog.start()
          await this.continueTx(next, this.active)
        },
        (error: unknown) => {
          this.fail(next, toEnvelope(error, 'SQL'))
        },
      )
      .finally(done)
  }

  /**
   * VACUUM needs autocommit (SQLite refuses it inside a transaction), so it runs here, between transactions,
   * never through a tab's transaction. In WAL mode the rebuilt pages go to the WAL: the checkpoint writes
   * them back and truncates the file. Killed midway, the file stays the old one (VACUUM is atomic).
   */
  private async vacuum(): Promise<void> {
    if (this.db.inTransaction) throw new Error('VACUUM cannot run: a transaction is open on the leader')
    await this.db.run('VACUUM')
    if (this.options.storage === 'opfs') await this.db.run('PRAGMA wal_checkpoint(TRUNCATE)')
  }

  /**
   * Serves one step of the open attempt `active`: its statements in order, then COMMIT if asked. The answer
   * carries the last statement's rows. A failed statement stops the step; if its result was awaited (the
   * step's last statement, no commit) the transaction stays usable as in SQLite, otherwise (a batched
   * statement failed unseen, or the step commits) it can never commit: the error is the answer, now and to
   * any later step, and a commit rolls back instead.
   */
  private async continueTx(request: TxStep, active: ActiveTx): Promise<void> {
    active.lastActivity = Date.now()
    if (active.stepId === request.id) {
      // A resent step: answer again once served; never run it twice.
      if (active.last) this.reply(request.client, active.last)
      return
    }
    if (active.poisoned) {
      active.stepId = request.id
      active.last = this.fail(request, active.poisoned)
      if (request.commit) await this.rollbackActive('a batched statement failed')
      return
    }
    if (request.from !== active.n + 1) {
      this.fail(request, {
        name: 'Error',
        message: `statement ${request.from} out of order`,
        kind: 'TX_UNKNOWN',
      })
      return
    }
    active.stepId = request.id
    active.last = undefined
    let rows: readonly SQLiteRow[] = []
    let failed: { error: ErrorEnvelope; index: number } | undefined
    if (request.stmts.length > 0) {
      failed = await this.exclusive(async () => {
        for (let i = 0; i < request.stmts.length; i++) {
          const { sql, params } = request.stmts[i]!
          active.n++ // a failed statement uses its number too, as on the client
          try {
            rows = await this.db.all(sql, params)
          } catch (error) {
            return { error: toEnvelope(error, 'SQL'), index: i }
          }
        }
        return undefined
      })
    }
    if (this.active !== active) {
      this.fail(request, txUnknown(request.txId)) // rolled back meanwhile (its tab was gone)
      return
    }
    if (failed) {
      // Also when SQLite itself ended the transaction on this error (FULL, IOERR, ...): later statements would
      // otherwise run in autocommit, outside the fenced, deduplicated transaction.
      if (request.commit || failed.index < request.stmts.length - 1 || !this.db.inTransaction)
        active.poisoned = failed.error
      active.last = this.fail(request, failed.error)
      if (request.commit) await this.rollbackActive('a statement of the committing step failed')
      return
    }
    if (!request.commit) {
      active.last = this.ok(request, { rows })
      return
    }
    await this.commit(request, active)
  }

  /** A commit for an attempt not open here: committed already (a retried commit, or asked after a failover) or rolled back. */
  private async answerNotActiveCommit(request: TxStep): Promise<void> {
    try {
      const applied = await this.exclusive(() => this.ledger.wasApplied(request.txId))
      if (applied) this.ok(request, { applied: true })
      else this.fail(request, txUnknown(request.txId))
    } catch (error) {
      this.fail(request, toEnvelope(error, 'SQL'))
    }
  }

  private async commit(request: TxStep, active: ActiveTx): Promise<void> {
    active.lastActivity = Date.now()
    let fenced = false
    try {
      await this.exclusive(async () => {
        await this.ledger.fenceAndRecord(request.txId)
        await this.db.run('COMMIT')
      })
    } catch (error) {
      fenced = error instanceof LeaderFencedError
      await this.exclusive(() => this.rollbackIfOpen())
      this.finishActive()
      this.fail(request, toEnvelope(error, fenced ? 'FENCED' : 'SQL'))
      if (fenced) void this.stop()
      return
    }
    this.ledger.committed(request.txId)
    this.finishActive()
    this.publish({ t: 'changed', term: this.term })
    this.scheduleCheckpoint()
    await this.answerCommit(request)
  }

  private async answerCommit(request: Request): Promise<void> {
    if (await this.hooks.beforeCommitAnswer()) this.ok(request)
  }

  private async onRollback(request: Extract<Request, { t: 'rollback' }>): Promise<void> {
    const queued = this.queue.findIndex(
      (r) => r.t === 'tx' && r.txId === request.txId && r.attempt === request.attempt,
    )
    if (queued >= 0) this.queue.splice(queued, 1)
    if (this.isActive(request)) await this.rollbackActive('client rolled back')
    this.ok(request)
  }

  private async rollbackIfOpen(): Promise<void> {
    if (this.db.inTransaction) await this.db.run('ROLLBACK')
  }

  private async rollbackActive(why: string): Promise<void> {
    if (!this.active) return
    this.options.log(`rolling back transaction ${this.active.txId}: ${why}`)
    await this.exclusive(() => this.rollbackIfOpen()).catch(() => undefined)
    this.finishActive()
  }

  private finishActive(): void {
    this.active = undefined
    this.watchdog.stop()
    queueMicrotask(() => this.pump())
  }

  /**
   * Once writes pause, fold the WAL into the file and empty it: a tab reloaded or crashed later then opens
   * with nothing to replay (replaying a large WAL over OPFS made a reload noticeably slower). One timer per
   * burst of commits, only on a WAL-mode file.
   */
  private scheduleCheckpoint(): void {
    if (!this.options.idleCheckpointMs) return
    clearTimeout(this.idleCheckpoint)
    this.idleCheckpoint = setTimeout(() => {
      this.idleCheckpoint = undefined
      if (this.stopped) return
      if (this.active || this.busy || this.queue.length > 0) return this.scheduleCheckpoint()
      void this.exclusive(() => this.db.run('PRAGMA wal_checkpoint(TRUNCATE)')).catch((error: unknown) =>
        this.options.log(`idle checkpoint failed: ${String(error)}`),
      )
    }, this.options.idleCheckpointMs)
  }

  /** Steps down: rolls back what is open, closes the file and the channels. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.idleCheckpoint)
    this.watchdog.stop()
    this.inbox.close()
    this.announce.close()
    this.replies.close()
    await this.exclusive(async () => {
      await this.rollbackIfOpen().catch(() => undefined)
      await this.db.close()
    }).catch(() => undefined)
    this.resolveDone()
  }
}
