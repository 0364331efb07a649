import type { ChangeLogEntry } from '../backend'
import { isPromiseLike } from '../driver'
import { migrationPlan } from '../persisted-collection'
import type { SQLitePersistence } from '../persistence'
import type { RowWrite, StoredRow } from '../store'
import { collectionExists, commitOnce } from './applied-tx'
import { PRUNE_EVERY_COMMITS, takeNextTerm } from './dedupe'
import { toEnvelope } from './envelope'
import { RemoteRequestRefusedError, RemoteUnavailableError } from './operation-errors'
import type { OperationNotice, OperationResponse, OperationResults, WireStoredRow } from './operations'
import {
  DEFAULT_OPERATION_LIMITS,
  validateRequest,
  type OperationLimits,
  type ValidRequest,
} from './validate'
import { expressionFromWire, queryBudget, subsetFromWire } from './wire-query'

/** One connected client (an Electron renderer frame, a worker, a child process). */
export interface OperationPeer {
  /** Stable for the client's life (e.g. `${webContents.id}:${frameId}`); subscriptions are kept per id. */
  readonly id: string
  /** Where the request came from (a frame's URL origin), for `allowPeer`. */
  readonly origin?: string
  /** Delivers a change notice to this client (e.g. webContents.send). */
  notify(notice: OperationNotice): void
}

export interface ServeOperationsOptions {
  /** Requests from a peer this refuses are answered with RemoteRequestRefusedError('forbidden-sender'). */
  allowPeer?: (peer: OperationPeer) => boolean
  limits?: Partial<OperationLimits>
  /**
   * Local-only collections' migrations, by collection id. A user function cannot cross the boundary, so
   * schema migrations run here, where the file is; a client passing `migrate` is refused.
   */
  migrations?: Readonly<Record<string, (row: unknown, fromVersion: number) => unknown>>
}

export interface OperationServer {
  /** Answers one request; never rejects (failures are error envelopes). */
  handle(request: unknown, peer: OperationPeer): Promise<OperationResponse>
  /** Forgets a peer (window closed or reloaded): its subscriptions end. */
  disconnect(peerId: string): void
  /** Stops serving: later requests fail with RemoteUnavailableError; peers are told. Leaves the persistence open. */
  close(): void
}

/**
 * Serves PersistDB's named operations (operations.ts) on a persistence that
 * owns the file. Clients are untrusted: every request is validated first
 * (validate.ts, wire-query.ts); no request carries SQL, and every collection
 * is addressed by a number checked against PersistDB's own registry. Each
 * commit is one request applied in one SQLite transaction together with its
 * transaction id (applied-tx.ts), so a resend is applied at most once and no
 * transaction is ever held open across messages.
 */
export function serveOperations(
  persistence: SQLitePersistence,
  options: ServeOperationsOptions = {},
): OperationServer {
  return new Server(persistence, options)
}

const subscriptionKey = (client: string, collection: number) => `${collection} ${client}`

const wireRows = (rows: readonly StoredRow[]): WireStoredRow[] => rows.map((r) => [r.key, r.value, r.meta])

class Server implements OperationServer {
  private readonly limits: OperationLimits
  private readonly known = new Set<number>()
  /** peer id → `${collection} ${client}` → unsubscribe (a peer may hold several clients). */
  private readonly subscriptions = new Map<string, Map<string, () => void>>()
  private readonly peers = new Map<string, OperationPeer>()
  /** This server's term (dedupe.ts): taken at its first commit. */
  private term: Promise<number> | undefined
  private commits = 0
  private stopped = false
  private readonly offFailure: () => void

  constructor(
    private readonly persistence: SQLitePersistence,
    private readonly options: ServeOperationsOptions,
  ) {
    this.limits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits }
    this.offFailure = persistence.onFailure((error) =>
      this.broadcast({ kind: 'failed', error: toEnvelope(error) }),
    )
  }

  async handle(request: unknown, peer: OperationPeer): Promise<OperationResponse> {
    try {
      if (this.stopped) throw new RemoteUnavailableError('the server was stopped')
      if (this.options.allowPeer && !this.options.allowPeer(peer))
        throw new RemoteRequestRefusedError('forbidden-sender', 'this sender is not allowed')
      const valid = validateRequest(request, this.limits)
      this.peers.set(peer.id, peer)
      return { ok: true, value: await this.run(valid, peer) }
    } catch (error) {
      return { ok: false, error: toEnvelope(error) }
    }
  }

  private async run(r: ValidRequest, peer: OperationPeer): Promise<OperationResults[ValidRequest['op']]> {
    const p = this.persistence
    if (r.op === 'ready') {
      await p.ready()
      return null
    }
    if (r.op === 'open') return this.open(r)
    if (r.op === 'drop') return this.written(await p.dropCollection(r.name))
    await this.checkCollection(r.collection)
    switch (r.op) {
      case 'snapshot': {
        const s = await p.readSnapshot(r.collection, r.withRows)
        return { seq: s.seq, rows: wireRows(s.rows), meta: s.meta }
      }
      case 'rows':
        return wireRows(await p.readRows(r.collection, r.keys))
      case 'scan':
        return wireRows(await p.scanRows(r.collection, r.metadataOnly))
      case 'subset': {
        const { request, stringSort } = subsetFromWire(r.request, this.limits)
        const answer = await p.loadSubset(r.collection, request, stringSort ? { stringSort } : undefined)
        return { rows: wireRows(answer.rows), covered: answer.covered }
      }
      case 'ensureIndex':
      case 'dropIndex': {
        const expression = expressionFromWire(r.expression, queryBudget(this.limits))
        await (r.op === 'ensureIndex' ? p.ensureIndex : p.dropIndex).call(p, r.collection, expression)
        return null
      }
      case 'commit':
        return this.commit(r)
      case 'requireResync':
        await p.requireResync(r.collection)
        return null
      case 'subscribe':
        this.subscribe(peer, r.client, r.collection, r.fromSeq)
        return null
      case 'unsubscribe': {
        const mine = this.subscriptions.get(peer.id)
        const key = subscriptionKey(r.client, r.collection)
        mine?.get(key)?.()
        mine?.delete(key)
        return null
      }
    }
  }

  private async open(r: Extract<ValidRequest, { op: 'open' }>): Promise<OperationResults['open']> {
    const migrate = this.options.migrations?.[r.name]
    const rows: readonly RowWrite[] = r.initialRows
    const record = await this.persistence.openCollection({
      name: r.name,
      kind: r.kind,
      schemaVersion: r.schemaVersion,
      writerId: r.writerId,
      migrate: migrate ? migrationPlan(migrate, r.schemaVersion, undefined) : undefined,
      initialRows: () => rows,
    })
    this.known.add(record.num)
    return this.written({ num: record.num, created: record.created, reset: record.reset })
  }

  private async commit(r: Extract<ValidRequest, { op: 'commit' }>): Promise<OperationResults['commit']> {
    this.term ??= Promise.resolve(this.persistence.write(takeNextTerm)).catch((error: unknown) => {
      this.term = undefined
      throw error
    })
    const term = await this.term
    let duplicate = false
    const prune = ++this.commits % PRUNE_EVERY_COMMITS === 0
    const seq = await this.persistence.commitBatch(
      r.collection,
      r.batch,
      r.writerId,
      commitOnce(term, r.txId, prune, () => (duplicate = true)),
    )
    return this.written({ seq, duplicate })
  }

  /** After a write: other peers hear about it now, not at the next poll. */
  private written<T>(value: T): T {
    try {
      const polled = this.persistence.poll()
      if (isPromiseLike(polled)) polled.catch(() => undefined)
    } catch {
      // The regular poll reports its own failures.
    }
    return value
  }

  /** A collection number must name one of PersistDB's collections: no other table is reachable. */
  private async checkCollection(num: number): Promise<void> {
    if (this.known.has(num)) return
    if (!(await this.persistence.read(() => collectionExists(num))))
      throw new RemoteRequestRefusedError('unknown-collection', `no PersistDB collection number ${num}`)
    this.known.add(num)
  }

  private subscribe(peer: OperationPeer, client: string, num: number, fromSeq: number): void {
    let mine = this.subscriptions.get(peer.id)
    if (!mine) this.subscriptions.set(peer.id, (mine = new Map()))
    const key = subscriptionKey(client, num)
    mine.get(key)?.()
    if (!mine.has(key) && mine.size >= this.limits.maxSubscriptionsPerPeer)
      throw new RemoteRequestRefusedError('too-large', `more than ${mine.size} subscriptions from one peer`)
    const notify = (notice: OperationNotice) => this.peers.get(peer.id)?.notify(notice)
    mine.set(
      key,
      this.persistence.subscribe(num, fromSeq, {
        // Never a client's writer id: the relay passes every entry on, each client skips its own.
        writerId: '\u0000server',
        onRemoteChange: () => notify({ kind: 'reload', client, collection: num }),
        onEntries: (entries: readonly ChangeLogEntry[]) =>
          notify({
            kind: 'changes',
            client,
            collection: num,
            entries: entries.map(({ seq, writer, keys }) => ({ seq, writer, keys })),
          }),
      }),
    )
  }

  private broadcast(notice: OperationNotice): void {
    for (const peer of this.peers.values()) {
      try {
        peer.notify(notice)
      } catch {
        // A peer that cannot be reached any more is dropped at disconnect.
      }
    }
  }

  disconnect(peerId: string): void {
    for (const off of this.subscriptions.get(peerId)?.values() ?? []) off()
    this.subscriptions.delete(peerId)
    this.peers.delete(peerId)
  }

  close(): void {
    if (this.stopped) return
    this.stopped = true
    this.offFailure()
    for (const id of [...this.subscriptions.keys()]) this.disconnect(id)
    this.peers.clear()
  }
}
