import { isPromiseLike, type MaybePromise } from './driver'
import { guardDriver, type GuardedDriver } from './guarded-driver'
import { InvalidOptionsError, PersistenceClosedError, PersistenceError } from './errors'
import { stopsPersistence } from './open-errors'
import { inspectDatabase } from './soundness'
import { writeFailure } from './sqlite-failure'
import { drive, driveInTransaction, type StorageOp } from './runner'
import { migrate, STORAGE_FORMAT } from './schema'
import { dropCollection, requireResync, writeBatch, type CommitBatch, type StoredRow } from './store'
import { changesSince, headSeq, loggedSeq, type ChangeEntry } from './change-log'
import { rowsTable } from './schema'
import { dropIndex, ensureIndex, indexDefinition, indexExists, querySubset } from './query'
import { deliverChanges, nonNegative, pruneAll, randomId, reportPollError } from './persistence-helpers'
import type { StoredKey } from './codec'
import type { CommitOnce, SQLitePersistenceOptions } from './persistence-options'

export type { ChangeLogOptions, CommitOnce, SQLitePersistenceOptions } from './persistence-options'
export { readStorageFormat } from './persistence-options'
import type { IR, LoadSubsetOptions } from '@tanstack/db'
import type {
  OpenCollectionRequest,
  PersistenceBackend,
  RemoteChangeListener,
  StoredSnapshot,
} from './backend'
import type { SubsetAnswer, SubsetCompareOptions } from './query'
import * as ops from './persistence-ops'
import type { CollectionRecord } from './store'

export type { RemoteChangeListener } from './backend'

/**
 * One database shared by any number of collections. It owns the driver,
 * brings the storage format up to date, and carries other writers' commits to
 * the collections that live here (see docs/architecture.md).
 */
export class SQLitePersistence implements PersistenceBackend {
  /** The driver as core drives it: the contract's policy around the runtime's driver (guarded-driver.ts). */
  readonly driver: GuardedDriver
  /** Identifies this object's own entries in the shared change log (each sync run has its own too). */
  readonly writerId: string
  private readonly pollIntervalMs: number
  private readonly maxEntries: number
  private readonly maxAgeMs: number
  private initialized = false
  private initializing: Promise<void> | undefined
  private closed = false
  private closing: Promise<void> | undefined
  private readonly inFlight = new Set<Promise<unknown>>()
  private lastSeq = -1
  private commitsSincePrune = 0
  private runs = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly listeners = new Map<number, Set<RemoteChangeListener>>()
  private readonly file: string | undefined
  private readonly fileCheck: (() => void) | undefined
  private readonly commitCheck: (() => void) | undefined
  /** Set when the database went away under us: every later read and write throws it. */
  private failure: PersistenceError | undefined
  private readonly failureListeners = new Set<(error: PersistenceError) => void>()

  constructor(options: SQLitePersistenceOptions) {
    if (!options?.driver) throw new InvalidOptionsError('createSQLitePersistence needs a `driver`.')
    this.driver = guardDriver(options.driver)
    this.pollIntervalMs = nonNegative(options.pollIntervalMs ?? 100, 'pollIntervalMs')
    this.maxEntries = nonNegative(options.changeLog?.maxEntries ?? 10_000, 'changeLog.maxEntries')
    this.maxAgeMs = nonNegative(options.changeLog?.maxAgeMs ?? 24 * 60 * 60 * 1000, 'changeLog.maxAgeMs')
    this.writerId = randomId()
    this.file = options.file
    this.fileCheck = options.fileCheck
    this.commitCheck = options.commitCheck
  }

  /** The error that stopped this persistence (the file was deleted or replaced), if any. */
  get failedWith(): PersistenceError | undefined {
    return this.failure
  }

  /** Called once if the persistence stops for good; returns an unsubscribe function. */
  onFailure(listener: (error: PersistenceError) => void): () => void {
    this.failureListeners.add(listener)
    return () => this.failureListeners.delete(listener)
  }

  private fail(error: PersistenceError): void {
    if (this.failure) return
    this.failure = error
    this.stopPolling()
    // Listeners move collections to their error state; not from inside the write that found it.
    queueMicrotask(() => {
      for (const listener of [...this.failureListeners]) listener(error)
    })
  }

  private usable(): void {
    if (this.closed) throw new PersistenceClosedError()
    if (this.failure) throw this.failure
  }

  /** Typed write errors; a vanished file stops the persistence. */
  private writeError = (error: unknown): never => {
    const typed = writeFailure(error, this.file)
    if (stopsPersistence(typed)) this.fail(typed)
    throw typed
  }

  private guarded<T>(run: () => MaybePromise<T>): MaybePromise<T> {
    let result: MaybePromise<T>
    try {
      result = run()
    } catch (error) {
      return this.writeError(error)
    }
    return isPromiseLike(result) ? result.then(undefined, this.writeError) : result
  }

  /** Runs `op` in a write transaction, checking the file is still ours just before it commits. */
  private transact<T>(op: () => StorageOp<T>): MaybePromise<T> {
    return this.guarded(() => driveInTransaction(this.driver, op, this.commitCheck))
  }

  /** A writer id for one sync run, derived from this persistence's. */
  newWriterId(): string {
    return `${this.writerId}:${++this.runs}`
  }

  get isSync(): boolean {
    return this.driver.mode === 'sync'
  }

  /** Brings the file to the current storage format once; takes the write lock only when it must. */
  ready(): MaybePromise<void> {
    this.usable()
    if (this.initialized) return
    if (this.initializing) return this.initializing
    // A file without PersistDB's tables is checked for damage before the first write into it; each
    // failure is its open-time error (not SQLite, damaged, newer format, busy, read-only).
    const result = chain(inspectDatabase(this.driver, this.file), (format) =>
      format === STORAGE_FORMAT ? undefined : this.transact(() => migrate()),
    )
    if (!isPromiseLike(result)) {
      this.initialized = true
      return
    }
    this.initializing = result.then(
      () => {
        this.initialized = true
        this.initializing = undefined
      },
      (error: unknown) => {
        this.initializing = undefined
        throw error
      },
    )
    return this.initializing
  }

  read<T>(op: () => StorageOp<T>): MaybePromise<T> {
    this.usable()
    return chain(this.ready(), () => drive(this.driver, op()))
  }

  write<T>(op: () => StorageOp<T>): MaybePromise<T> {
    this.usable()
    const result = chain(this.ready(), () => this.transact(op))
    return isPromiseLike(result) ? this.track(result) : result
  }

  /** Counts `work` as pending until it settles: `close()` waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work)
    const done = () => this.inFlight.delete(work)
    work.then(done, done)
    return work
  }

  /**
   * Writes one committed transaction. Every 64th commit also prunes the log,
   * inside the same SQLite transaction: no extra transaction on the write
   * path. `once` (servers deduping resent requests) runs first inside that
   * transaction: when it answers a position, the batch was applied before and
   * is not written again; with `once` the change-log position is returned.
   */
  commitBatch(num: number, batch: CommitBatch, writer: string): MaybePromise<void>
  commitBatch(num: number, batch: CommitBatch, writer: string, once: CommitOnce): MaybePromise<number>
  commitBatch(
    num: number,
    batch: CommitBatch,
    writer: string,
    once?: CommitOnce,
  ): MaybePromise<number | void> {
    const prune = ++this.commitsSincePrune >= 64
    if (prune) this.commitsSincePrune = 0
    const { maxEntries, maxAgeMs } = this
    const table = rowsTable(num)
    // The common case, a plain commit, runs writeBatch's own generator: nothing wrapped around it.
    // Async drivers (browser tabs, mobile, remote) still read the entry's position back, as before this
    // round: without that step a browser follower's commit became one round trip, and the three-tab
    // ingestion test (browser/test/synced-tabs.test.ts) then failed about 1 run in 5 (a tab kept an older
    // value of a shared key; disk right). The race behind it is not found yet; sync drivers skip the read.
    const readBack = !this.isSync
    if (!once && !prune && !readBack) return this.write(() => writeBatch(num, table, batch, writer))
    return this.write(function* () {
      const before = once ? yield* once.applied() : undefined
      if (before !== undefined) return before
      yield* writeBatch(num, table, batch, writer)
      const seq = once || readBack ? yield* loggedSeq() : undefined
      if (once && seq !== undefined) yield* once.record(seq)
      if (prune) yield* pruneAll(maxEntries, maxAgeMs)
      return seq
    })
  }

  // The named operations of PersistenceBackend (backend.ts), as storage ops (persistence-ops.ts).

  openCollection(request: OpenCollectionRequest): MaybePromise<CollectionRecord> {
    return chain(
      this.read(() => ops.findForOpen(request)),
      (found) => found ?? this.write(() => ops.openForWrite(request)),
    )
  }

  readSnapshot(num: number, withRows: boolean): MaybePromise<StoredSnapshot> {
    return this.read(() => ops.readSnapshot(num, withRows))
  }

  readRows(num: number, keys: readonly StoredKey[] | null): MaybePromise<readonly StoredRow[]> {
    return this.read(() => ops.readRows(num, keys))
  }

  scanRows(num: number, metadataOnly: boolean): MaybePromise<readonly StoredRow[]> {
    return this.read(() => ops.scanRows(num, metadataOnly))
  }

  loadSubset(
    num: number,
    request: LoadSubsetOptions,
    compare: SubsetCompareOptions | undefined,
  ): MaybePromise<SubsetAnswer> {
    return this.read(() => querySubset(rowsTable(num), request, compare))
  }

  ensureIndex(num: number, expression: IR.BasicExpression): MaybePromise<void> {
    const def = indexDefinition(rowsTable(num), num, expression)
    if (!def) return
    // An index that exists already costs one read, never the write lock.
    return chain(
      this.read(() => indexExists(def.name)),
      (exists) =>
        exists
          ? undefined
          : chain(
              this.write(() => ensureIndex(def)),
              () => undefined,
            ),
    )
  }

  dropIndex(num: number, expression: IR.BasicExpression): MaybePromise<void> {
    const def = indexDefinition(rowsTable(num), num, expression)
    if (!def) return
    return this.write(() => dropIndex(def.name))
  }

  requireResync(num: number): MaybePromise<void> {
    return this.write(() => requireResync(num))
  }

  /** Prunes the change log right now (maintenance; it also happens every 64 commits). */
  pruneChangeLog(): MaybePromise<void> {
    return this.write(() => pruneAll(this.maxEntries, this.maxAgeMs))
  }

  /**
   * Rebuilds the file to give free pages back to the disk (SQLite VACUUM,
   * crash-safe: killed midway, the file is the old one). Runs outside any
   * transaction, so it needs a driver that can run a statement on its own
   * (better-sqlite3); other writers wait for it.
   */
  vacuum(): MaybePromise<void> {
    this.usable()
    return chain(this.ready(), () => this.guarded(() => this.driver.run('VACUUM')))
  }

  /** Deletes a collection's rows, metadata and registry entry. */
  dropCollection(name: string): MaybePromise<boolean> {
    return this.write(() => dropCollection(name, this.writerId))
  }

  subscribe(collectionNum: number, fromSeq: number, listener: RemoteChangeListener): () => void {
    let set = this.listeners.get(collectionNum)
    if (!set) this.listeners.set(collectionNum, (set = new Set()))
    set.add(listener)
    if (this.lastSeq < 0 || fromSeq < this.lastSeq) this.lastSeq = fromSeq
    this.startPolling()
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(collectionNum)
      if (this.listeners.size === 0) this.stopPolling()
    }
  }

  private startPolling(): void {
    if (this.timer || this.pollIntervalMs === 0 || this.closed) return
    this.timer = setInterval(() => this.poll(), this.pollIntervalMs)
    // Polling never keeps a process alive on its own.
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  private polling = false

  /** Looks for other writers' commits now. Returns once they are applied. */
  poll(): MaybePromise<void> {
    if (this.closed || this.failure || this.polling || this.listeners.size === 0) return
    try {
      this.fileCheck?.()
    } catch (error) {
      // Found while idle: the collections move to their error state before anyone writes.
      if (stopsPersistence(error)) return this.fail(error)
      reportPollError(error)
      return
    }
    this.polling = true
    const done = () => {
      this.polling = false
    }
    try {
      const result = chain(this.read(headSeq), (head) => {
        if (head <= this.lastSeq) return
        return chain(
          this.read(() => changesSince(this.lastSeq)),
          (entries) => this.dispatch(entries, head),
        )
      })
      if (isPromiseLike(result))
        return result.then(done, (error) => {
          done()
          if (stopsPersistence(error)) return this.fail(error)
          // A poll in flight when close() ran fails with PersistenceClosedError: nothing to retry.
          if (!this.closing) reportPollError(error)
        })
      done()
    } catch (error) {
      done()
      if (stopsPersistence(error)) return this.fail(error)
      reportPollError(error)
    }
  }

  private dispatch(entries: readonly ChangeEntry[], head: number): void {
    // A gap means entries were pruned before we read them: reload everything.
    const gap = (entries[0]?.seq ?? head + 1) !== this.lastSeq + 1
    const from = this.lastSeq
    this.lastSeq = Math.max(head, entries.at(-1)?.seq ?? from)
    deliverChanges(this.listeners, entries, gap)
  }

  /**
   * Stops polling and closes the driver. With an async driver, writes core
   * already accepted (and the ones queued behind them) finish first: close
   * never drops an acknowledged transaction.
   */
  close(): MaybePromise<void> {
    if (this.closing) return this.closing
    this.stopPolling()
    this.listeners.clear()
    const finish = () => {
      this.closed = true
      return this.driver.close()
    }
    if (this.inFlight.size === 0) {
      this.closing = Promise.resolve()
      return finish()
    }
    this.closing = (async () => {
      // A queued write starts as the one before it settles, so drain until none is left.
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
      await finish()
    })()
    return this.closing
  }
}

export function createSQLitePersistence(options: SQLitePersistenceOptions): SQLitePersistence {
  return new SQLitePersistence(options)
}

/** Chains without leaving the current tick when the value is already there (sync drivers). */
export function chain<A, B>(value: MaybePromise<A>, fn: (a: A) => MaybePromise<B>): MaybePromise<B> {
  return isPromiseLike(value) ? value.then(fn) : fn(value)
}
