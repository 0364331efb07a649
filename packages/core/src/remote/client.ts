import type { IR, LoadSubsetOptions } from '@tanstack/db'
import type {
  OpenCollectionRequest,
  PersistenceBackend,
  RemoteChangeListener,
  StoredSnapshot,
} from '../backend'
import type { StoredKey } from '../codec'
// Error classes through the package's own name: one copy shared with the main entry (see envelope.ts).
import { InvalidOptionsError, PersistenceClosedError, type PersistenceError } from '@persistdb/core'
import { keysFromOthers, randomId } from '../persistence-helpers'
import type { SubsetAnswer, SubsetCompareOptions } from '../query'
import { rowsTable } from '../schema'
import type { CollectionRecord, CommitBatch, RowWrite, StoredRow } from '../store'
import { reviveOperationError, RemoteUnavailableError } from './operation-errors'
import {
  OPERATIONS_PROTOCOL,
  type OperationBody,
  type OperationNotice,
  type OperationRequest,
  type OperationResponse,
  type OperationResults,
  type WireRow,
  type WireStoredRow,
} from './operations'
import { expressionToWire, subsetToWire } from './wire-query'

export interface RemoteTransport {
  /**
   * Sends one request and resolves with the server's answer. Rejects with
   * RemoteUnavailableError when the server is gone or stopped (the client fails
   * fast), or with any other error when the answer was lost (the client sends
   * the same request again: a commit keeps its transaction id, so it is
   * applied at most once). No timeout is applied here: a slow, healthy write
   * is waited for.
   */
  send(request: OperationRequest): Promise<OperationResponse>
  /** Registers the listener for the server's change notices; returns an unsubscribe function. */
  onNotice(listener: (notice: OperationNotice) => void): () => void
}

export interface RemotePersistenceOptions extends RemoteTransport {
  /** Sends of one request after a lost answer, before its error surfaces. Default 5. */
  maxResends?: number
}

/**
 * A persistence whose file lives in another process (Electron's main, a
 * server): `persistedCollectionOptions` takes it exactly like a local one.
 * It sends PersistDB's named operations as plain data (operations.ts) and
 * never SQL; the other side serves them with `serveOperations`. Other
 * writers' commits arrive as change notices, without polling.
 */
export function createRemotePersistence(options: RemotePersistenceOptions): RemotePersistence {
  return new RemotePersistence(options)
}

const rowsFromWire = (rows: readonly WireStoredRow[]): StoredRow[] =>
  rows.map(([key, value, meta]) => ({ key, value, meta }))

/** KEEP_META (the only symbol a row's meta holds) is tested by type: the /remote entry may hold another copy of it. */
const rowsToWire = (rows: readonly RowWrite[]): WireRow[] =>
  rows.map((r) => [r.key, r.value, typeof r.meta === 'symbol' ? { keep: true } : r.meta])

export class RemotePersistence implements PersistenceBackend {
  readonly isSync = false
  readonly clientId = randomId()
  private runs = 0
  private closed = false
  private readonly inFlight = new Set<Promise<unknown>>()
  private readonly listeners = new Map<number, Set<RemoteChangeListener>>()
  /** Per collection: the change-log position notices have reached (a resubscribe resumes there). */
  private readonly seen = new Map<number, number>()
  private readonly failureListeners = new Set<(error: PersistenceError) => void>()
  private readonly offNotice: () => void
  private readonly maxResends: number
  /** Set when the server was unreachable: subscriptions are renewed at the next answer. */
  private lostServer = false

  constructor(private readonly transport: RemotePersistenceOptions) {
    if (typeof transport?.send !== 'function' || typeof transport.onNotice !== 'function')
      throw new InvalidOptionsError('createRemotePersistence needs `send` and `onNotice` functions.')
    this.maxResends = transport.maxResends ?? 5
    this.offNotice = transport.onNotice((notice) => this.onNotice(notice))
  }

  private async call<K extends OperationBody['op']>(
    body: Extract<OperationBody, { op: K }>,
  ): Promise<OperationResults[K]> {
    if (this.closed) throw new PersistenceClosedError()
    const request = { ...body, v: OPERATIONS_PROTOCOL } as OperationRequest
    for (let attempt = 0; ; attempt++) {
      let response: OperationResponse
      try {
        response = await this.transport.send(request)
      } catch (error) {
        if (error instanceof RemoteUnavailableError || attempt >= this.maxResends) {
          this.lostServer = true
          throw error instanceof RemoteUnavailableError
            ? error
            : new RemoteUnavailableError(`no answer after ${attempt + 1} sends`, error)
        }
        continue
      }
      if (!response.ok) {
        const error = reviveOperationError(response.error)
        if ((error as PersistenceError).code === 'PERSISTDB_REMOTE_UNAVAILABLE') this.lostServer = true
        throw error
      }
      if (this.lostServer && body.op !== 'subscribe') this.renewSubscriptions()
      return response.value as OperationResults[K]
    }
  }

  newWriterId(): string {
    return `${this.clientId}:${++this.runs}`
  }

  ready(): Promise<void> {
    return this.call({ op: 'ready' }).then(() => undefined)
  }

  async openCollection(request: OpenCollectionRequest): Promise<CollectionRecord> {
    if (request.migrate) {
      throw new InvalidOptionsError(
        `Collection "${request.name}": \`migrate\` runs where the file is. Pass it to serveOperations ` +
          `as \`migrations: { ${JSON.stringify(request.name)}: (row, fromVersion) => ... }\` and omit it here.`,
      )
    }
    const { num, created, reset } = await this.call({
      op: 'open',
      name: request.name,
      kind: request.kind,
      schemaVersion: request.schemaVersion,
      writerId: request.writerId,
      initialRows: rowsToWire(request.initialRows?.() ?? []),
    })
    return { num, table: rowsTable(num), created, reset }
  }

  async readSnapshot(collection: number, withRows: boolean): Promise<StoredSnapshot> {
    const s = await this.call({ op: 'snapshot', collection, withRows })
    return { seq: s.seq, rows: rowsFromWire(s.rows), meta: s.meta }
  }

  async readRows(collection: number, keys: readonly StoredKey[] | null): Promise<readonly StoredRow[]> {
    return rowsFromWire(await this.call({ op: 'rows', collection, keys: keys && [...new Set(keys)] }))
  }

  async scanRows(collection: number, metadataOnly: boolean): Promise<readonly StoredRow[]> {
    return rowsFromWire(await this.call({ op: 'scan', collection, metadataOnly }))
  }

  async loadSubset(
    collection: number,
    request: LoadSubsetOptions,
    compare: SubsetCompareOptions | undefined,
  ): Promise<SubsetAnswer> {
    const wire = subsetToWire(request, compare?.stringSort)
    const answer = await this.call({ op: 'subset', collection, request: wire })
    return { rows: rowsFromWire(answer.rows), covered: answer.covered }
  }

  async ensureIndex(collection: number, expression: IR.BasicExpression): Promise<void> {
    await this.call({ op: 'ensureIndex', collection, expression: expressionToWire(expression) })
  }

  async dropIndex(collection: number, expression: IR.BasicExpression): Promise<void> {
    await this.call({ op: 'dropIndex', collection, expression: expressionToWire(expression) })
  }

  /** One request per commit; resent with the same transaction id when its answer is lost. */
  async commitBatch(collection: number, batch: CommitBatch, writerId: string): Promise<number> {
    const wire = {
      truncate: batch.truncate,
      rows: rowsToWire(batch.rows),
      collectionMeta: batch.collectionMeta.map(([k, v]) => [k, v] as const),
    }
    const { seq } = await this.call({ op: 'commit', collection, txId: randomId(), writerId, batch: wire })
    return seq
  }

  async requireResync(collection: number): Promise<void> {
    await this.call({ op: 'requireResync', collection })
  }

  dropCollection(name: string): Promise<boolean> {
    return this.call({ op: 'drop', name })
  }

  subscribe(collection: number, fromSeq: number, listener: RemoteChangeListener): () => void {
    let set = this.listeners.get(collection)
    if (!set) this.listeners.set(collection, (set = new Set()))
    set.add(listener)
    const seen = this.seen.get(collection)
    if (seen === undefined || fromSeq < seen) {
      this.seen.set(collection, fromSeq)
      this.sendSubscribe(collection, fromSeq)
    }
    return () => {
      set.delete(listener)
      if (set.size > 0) return
      this.listeners.delete(collection)
      this.seen.delete(collection)
      if (!this.closed)
        this.call({ op: 'unsubscribe', collection, client: this.clientId }).catch(() => undefined)
    }
  }

  private sendSubscribe(collection: number, fromSeq: number): void {
    this.call({ op: 'subscribe', collection, fromSeq, client: this.clientId }).catch((error: unknown) => {
      // Renewed once the server answers again (renewSubscriptions).
      if (!(error instanceof PersistenceClosedError)) this.lostServer = true
    })
  }

  /** After the server was unreachable (restarted): notices resume from where they stopped. */
  renewSubscriptions(): void {
    this.lostServer = false
    for (const [collection, seq] of this.seen) this.sendSubscribe(collection, seq)
  }

  private onNotice(notice: OperationNotice): void {
    if (this.closed) return
    if (notice.kind === 'failed') {
      const error = reviveOperationError(notice.error) as PersistenceError
      for (const listener of [...this.failureListeners]) listener(error)
      return
    }
    // Another remote persistence of the same peer (window) subscribed for that one.
    if (notice.client !== this.clientId) return
    const listeners = this.listeners.get(notice.collection)
    if (!listeners) return
    if (notice.kind === 'reload') {
      for (const listener of listeners) listener.onRemoteChange(null)
      return
    }
    const last = notice.entries.at(-1)?.seq
    if (last !== undefined)
      this.seen.set(notice.collection, Math.max(this.seen.get(notice.collection) ?? 0, last))
    for (const listener of listeners) {
      if (listener.onEntries) {
        listener.onEntries(notice.entries)
        continue
      }
      const keys = keysFromOthers(
        notice.entries.map((e) => ({ ...e, collection: notice.collection })),
        listener.writerId,
      )
      if (keys !== undefined) listener.onRemoteChange(keys)
    }
  }

  onFailure(listener: (error: PersistenceError) => void): () => void {
    this.failureListeners.add(listener)
    return () => this.failureListeners.delete(listener)
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work)
    const done = () => this.inFlight.delete(work)
    work.then(done, done)
    return work
  }

  /** Waits for accepted writes, then stops listening. The server and its file stay open. */
  async close(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
    this.closed = true
    this.offNotice()
    this.listeners.clear()
  }
}
