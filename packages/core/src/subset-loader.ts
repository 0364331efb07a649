import { compileSingleRowExpression, toBooleanPredicate, type IR, type LoadSubsetOptions } from '@tanstack/db'
import { decodeKey, decodeValue, type StoredKey } from './codec'
import type { CoreBridge, SyncParams } from './core-bridge'
import { isPromiseLike, type MaybePromise } from './driver'
import type { PersistenceBackend } from './backend'
import { chain } from './persistence'
import type { SubsetAnswer, SubsetCompareOptions } from './query'
import { coverageOf, covers, type Coverage } from './subset-coverage'
import { subsetKey } from './subset-key'

export interface SubsetLoaderContext<T extends object, TKey extends string | number> {
  readonly params: SyncParams<T, TKey>
  readonly bridge: CoreBridge<TKey>
  readonly persistence: PersistenceBackend
  /** The collection's number (backend.ts). */
  readonly collection: number
  readonly compare: SubsetCompareOptions | undefined
  /** Resolves once the writes core accepted so far are on disk (async drivers). */
  readonly settled: () => Promise<void> | undefined
  readonly isClosed: () => boolean
}

interface Loaded {
  readonly options: LoadSubsetOptions
  /** true once the rows are in core; a promise while they are being read. */
  state: true | Promise<void>
  matches?: (row: unknown) => boolean
  /** Set once the rows are in core: the requests this subset already answers. */
  coverage?: Coverage
}

/** Keys written while a subset read was in flight: the read may be older than them. */
interface Watch {
  keys: Set<StoredKey>
  all: boolean
}

/**
 * On-demand hydration from SQLite: each subset request reads the matching rows
 * (filter, order and limit done by SQLite) and hands the ones core does not
 * hold yet to core as one synced transaction, without persisting them again.
 * A subset already loaded answers `true` synchronously.
 */
export class SubsetLoader<T extends object, TKey extends string | number> {
  private readonly loaded = new Map<string, Loaded>()
  private readonly watches = new Set<Watch>()
  /** Applies waiting for the source's open transaction to commit. */
  private waiting: Array<() => void> = []

  constructor(private readonly ctx: SubsetLoaderContext<T, TKey>) {}

  /** Reads and applies the subset; never throws (a failure is a rejected promise). */
  load(options: LoadSubsetOptions): true | Promise<void> {
    const key = subsetKey(options)
    const known = this.loaded.get(key)
    if (known && !options.refetch) return known.state
    const entry: Loaded = { options, state: true }
    this.loaded.set(key, entry)
    if (!options.refetch && this.coveredByLoaded(options)) return true
    let result: MaybePromise<void>
    try {
      result = this.read(options, entry)
    } catch (error) {
      this.loaded.delete(key)
      return Promise.reject(error)
    }
    if (!isPromiseLike(result)) return true
    const pending = result.then(
      () => {
        if (this.loaded.get(key) === entry) entry.state = true
      },
      (error: unknown) => {
        if (this.loaded.get(key) === entry) this.loaded.delete(key)
        throw error
      },
    )
    entry.state = pending
    return pending
  }

  private coveredByLoaded(options: LoadSubsetOptions): boolean {
    for (const entry of this.loaded.values()) {
      if (entry.state === true && entry.coverage && covers(entry.coverage, options)) return true
    }
    return false
  }

  unload(options: LoadSubsetOptions): void {
    this.loaded.delete(subsetKey(options))
  }

  /** Our own or another writer's commit touched these keys (null: all of them). */
  touched(keys: readonly StoredKey[] | null): void {
    for (const watch of this.watches) {
      if (keys === null) watch.all = true
      else for (const key of keys) watch.keys.add(key)
    }
  }

  /** The source truncated: every subset must be read again. */
  reset(): void {
    this.loaded.clear()
    this.touched(null)
  }

  /** Re-reads every loaded subset (after a change-log gap). */
  reloadAll(): void {
    const all = [...this.loaded.values()]
    this.loaded.clear()
    for (const { options } of all) {
      const result = this.load(options)
      if (result !== true) result.catch((error: unknown) => reportReloadError(error))
    }
  }

  /** Whether a row another writer added belongs in memory: it matches a loaded subset's filter. */
  matchesLoaded(row: unknown): boolean {
    for (const entry of this.loaded.values()) {
      entry.matches ??= compileMatcher(entry.options.where)
      if (entry.matches(row)) return true
    }
    return false
  }

  /** Runs the applies that waited for the source's transaction to commit. */
  flush(): void {
    if (this.waiting.length === 0 || this.ctx.bridge.openTransaction()) return
    const waiting = this.waiting
    this.waiting = []
    for (const apply of waiting) apply()
  }

  private read(options: LoadSubsetOptions, entry: Loaded): MaybePromise<void> {
    const { persistence, collection, compare } = this.ctx
    const watch: Watch = { keys: new Set(), all: false }
    this.watches.add(watch)
    const done = () => this.watches.delete(watch)
    try {
      // Async drivers: what core accepted must be on disk before we read, or a
      // row deleted a moment ago could come back from the file.
      const settled = this.ctx.settled()
      const rows = settled
        ? settled.then(() => persistence.loadSubset(collection, options, compare))
        : persistence.loadSubset(collection, options, compare)
      const applied = chain(rows, (stored) =>
        this.whenNoOpenTransaction(() => this.apply(stored, watch, entry)),
      )
      if (isPromiseLike(applied)) return applied.finally(done)
      done()
      return applied
    } catch (error) {
      done()
      throw error
    }
  }

  private whenNoOpenTransaction(apply: () => void): MaybePromise<void> {
    if (!this.ctx.bridge.openTransaction()) return apply()
    return new Promise<void>((resolve, reject) =>
      this.waiting.push(() => {
        try {
          apply()
          resolve()
        } catch (error) {
          reject(error)
        }
      }),
    )
  }

  private apply(answer: SubsetAnswer, watch: Watch, entry: Loaded): void {
    const { params: p, bridge } = this.ctx
    if (this.ctx.isClosed() || watch.all || entry.options.signal?.aborted) return
    entry.coverage = coverageOf(entry.options, answer.covered)
    let open = false
    for (const row of answer.rows) {
      if (row.value === null || watch.keys.has(row.key as StoredKey)) continue
      const key = decodeKey(row.key) as TKey
      // Core already holds this key: its row is at least as new as the file's.
      if (bridge.acceptedRow(key) !== undefined) continue
      if (!open) {
        p.begin()
        open = true
      }
      p.write({ type: 'insert', value: decodeValue(row.value) as T })
      if (row.meta !== null) p.metadata?.row.set(key, decodeValue(row.meta))
    }
    if (!open) return
    const receipt = p.commit()
    if (receipt !== true) receipt.catch(() => undefined)
  }
}

function compileMatcher(where: IR.BasicExpression<boolean> | undefined): (row: unknown) => boolean {
  if (!where) return () => true
  try {
    const predicate = compileSingleRowExpression(where)
    return (row) => {
      try {
        return toBooleanPredicate(predicate(row as Record<string, unknown>) as boolean | null)
      } catch {
        return true
      }
    }
  } catch {
    // An expression core cannot evaluate on one row: keep every row (over-including is safe).
    return () => true
  }
}

function reportReloadError(error: unknown): void {
  console.error('[persistdb] re-reading a loaded subset failed; it loads again at its next request', error)
}
