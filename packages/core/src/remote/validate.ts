import type { StoredKey } from '../codec'
import { decodeValue } from '../codec'
import { KEEP_META, type CommitBatch, type RowWrite } from '../store'
import { RemoteRequestRefusedError } from './operation-errors'
import { OPERATIONS_PROTOCOL, type OperationBody } from './operations'
import type { QueryLimits } from './wire-query'

/**
 * Strict validation of every incoming request, before anything touches the
 * file: the operation is one of a closed set, every field has its type and
 * size, objects are plain and carry no field beyond the known ones (so
 * `__proto__` and friends are refused, never merged), collection names and
 * writer ids are data only (SQL parameters, never SQL text), and encoded
 * rows must decode with PersistDB's codec so no window receives a row it
 * cannot read.
 */
export interface OperationLimits extends QueryLimits {
  readonly maxNameLength: number
  /** Rows of one commit (and of one open's initialData). */
  readonly maxRows: number
  /** Keys of one `rows` request. */
  readonly maxKeys: number
  /** Characters of one encoded value or metadata. */
  readonly maxValueLength: number
  /** Characters of all strings of one request together. */
  readonly maxRequestChars: number
  /** Subscriptions one peer holds at once (one per client and collection). */
  readonly maxSubscriptionsPerPeer: number
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxNameLength: 256,
  maxRows: 20_000,
  maxKeys: 20_000,
  maxValueLength: 8 * 1024 * 1024,
  maxRequestChars: 64 * 1024 * 1024,
  maxSubscriptionsPerPeer: 10_000,
  maxNodes: 4_000,
  maxDepth: 48,
  maxArray: 5_000,
  maxStringLength: 64 * 1024,
}

const OPS: Record<OperationBody['op'], readonly string[]> = {
  ready: [],
  open: ['name', 'kind', 'schemaVersion', 'writerId', 'initialRows'],
  snapshot: ['collection', 'withRows'],
  rows: ['collection', 'keys'],
  scan: ['collection', 'metadataOnly'],
  subset: ['collection', 'request'],
  ensureIndex: ['collection', 'expression'],
  dropIndex: ['collection', 'expression'],
  commit: ['collection', 'txId', 'writerId', 'batch'],
  requireResync: ['collection'],
  drop: ['name'],
  subscribe: ['collection', 'fromSeq', 'client'],
  unsubscribe: ['collection', 'client'],
}

/** A validated request: the operation with its fields, rows already in storage form. */
export type ValidRequest =
  | Exclude<OperationBody, { op: 'open' } | { op: 'commit' }>
  | {
      op: 'open'
      name: string
      kind: 'local' | 'synced'
      schemaVersion: number
      writerId: string
      initialRows: RowWrite[]
    }
  | { op: 'commit'; collection: number; txId: string; writerId: string; batch: CommitBatch }

function refuse(detail: string, reason: 'malformed' | 'too-large' | 'protocol' = 'malformed'): never {
  throw new RemoteRequestRefusedError(reason, detail)
}

function plain(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(`${what} is not an object`)
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) refuse(`${what} is not a plain object`)
  return value as Record<string, unknown>
}

class Checker {
  private chars = 0
  constructor(readonly limits: OperationLimits) {}

  string(value: unknown, what: string, max: number, min = 0): string {
    if (typeof value !== 'string') refuse(`${what} is not a string`)
    if (value.length > max) refuse(`${what} is longer than ${max} characters`, 'too-large')
    if (value.length < min) refuse(`${what} is empty`)
    this.count(value.length)
    return value
  }

  count(chars: number): void {
    this.chars += chars
    if (this.chars > this.limits.maxRequestChars)
      refuse(`the request is larger than ${this.limits.maxRequestChars} characters`, 'too-large')
  }

  int(value: unknown, what: string, min = 0): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      refuse(`${what} is not an integer`)
    return value
  }

  bool(value: unknown, what: string): boolean {
    if (typeof value !== 'boolean') refuse(`${what} is not a boolean`)
    return value
  }

  key(value: unknown): StoredKey {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) refuse('a key is not a finite number')
      return value
    }
    return this.string(value, 'a key', this.limits.maxStringLength)
  }

  /** An encoded value: must decode, or another window would receive a row it cannot read. */
  encoded(value: unknown, what: string): string {
    const text = this.string(value, what, this.limits.maxValueLength)
    try {
      decodeValue(text)
    } catch {
      refuse(`${what} is not a value encoded by PersistDB`)
    }
    return text
  }

  array(value: unknown, what: string, max: number): unknown[] {
    if (!Array.isArray(value)) refuse(`${what} is not an array`)
    if (value.length > max) refuse(`${what} has more than ${max} items`, 'too-large')
    return value
  }

  rows(value: unknown): RowWrite[] {
    return this.array(value, 'rows', this.limits.maxRows).map((item) => {
      const row = this.array(item, 'a row', 3)
      if (row.length !== 3) refuse('a row is not [key, value, meta]')
      const key = this.key(row[0])
      const encoded = row[1] === null ? null : this.encoded(row[1], 'a row value')
      const m = row[2]
      let meta: RowWrite['meta']
      if (m === null) meta = null
      else if (typeof m === 'string') meta = this.encoded(m, 'row metadata')
      else {
        const keep = plain(m, 'row metadata')
        if (Object.keys(keep).length !== 1 || keep.keep !== true)
          refuse('row metadata is not a string, null or {keep: true}')
        meta = KEEP_META
      }
      return { key, value: encoded, meta }
    })
  }

  batch(value: unknown): CommitBatch {
    const b = exact(value, ['truncate', 'rows', 'collectionMeta'], 'the batch')
    const collectionMeta = this.array(b.collectionMeta, 'collection metadata', this.limits.maxRows).map(
      (item) => {
        const entry = this.array(item, 'a collection metadata entry', 2)
        if (entry.length !== 2) refuse('a collection metadata entry is not [key, value]')
        const key = this.string(entry[0], 'a metadata key', this.limits.maxStringLength)
        const encoded = entry[1] === null ? null : this.encoded(entry[1], 'collection metadata')
        return [key, encoded] as const
      },
    )
    return { truncate: this.bool(b.truncate, 'truncate'), rows: this.rows(b.rows), collectionMeta }
  }
}

function exact(value: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  const object = plain(value, what)
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) refuse(`${what} has an unknown field ${JSON.stringify(key).slice(0, 60)}`)
  }
  return object
}

/** Checks one request; throws RemoteRequestRefusedError for anything PersistDB itself would not send. */
export function validateRequest(request: unknown, limits: OperationLimits): ValidRequest {
  const head = plain(request, 'the request')
  if (head.v !== OPERATIONS_PROTOCOL)
    refuse(
      `protocol version ${String(head.v).slice(0, 20)} (this server speaks ${OPERATIONS_PROTOCOL})`,
      'protocol',
    )
  const op = head.op
  if (typeof op !== 'string' || !Object.prototype.hasOwnProperty.call(OPS, op))
    refuse(`unknown operation ${JSON.stringify(String(op)).slice(0, 60)}`)
  const r = exact(request, ['v', 'op', ...OPS[op as OperationBody['op']]], `the ${op} request`)
  const c = new Checker(limits)
  const collection = () => c.int(r.collection, 'collection', 1)
  switch (op as OperationBody['op']) {
    case 'ready':
      return { op: 'ready' }
    case 'open': {
      if (r.kind !== 'local' && r.kind !== 'synced') refuse('kind is not "local" or "synced"')
      return {
        op: 'open',
        name: c.string(r.name, 'the collection id', limits.maxNameLength, 1),
        kind: r.kind,
        schemaVersion: c.int(r.schemaVersion, 'schemaVersion'),
        writerId: c.string(r.writerId, 'the writer id', limits.maxNameLength, 1),
        initialRows: c.rows(r.initialRows),
      }
    }
    case 'snapshot':
      return { op: 'snapshot', collection: collection(), withRows: c.bool(r.withRows, 'withRows') }
    case 'rows':
      return {
        op: 'rows',
        collection: collection(),
        keys: r.keys === null ? null : c.array(r.keys, 'keys', limits.maxKeys).map((k) => c.key(k)),
      }
    case 'scan':
      return { op: 'scan', collection: collection(), metadataOnly: c.bool(r.metadataOnly, 'metadataOnly') }
    case 'subset':
      // The query description is rebuilt and checked by wire-query.ts.
      return { op: 'subset', collection: collection(), request: r.request as never }
    case 'ensureIndex':
    case 'dropIndex':
      return { op: op as 'ensureIndex', collection: collection(), expression: r.expression as never }
    case 'commit':
      return {
        op: 'commit',
        collection: collection(),
        txId: c.string(r.txId, 'txId', 128, 8),
        writerId: c.string(r.writerId, 'the writer id', limits.maxNameLength, 1),
        batch: c.batch(r.batch),
      }
    case 'requireResync':
      return { op: 'requireResync', collection: collection() }
    case 'drop':
      return { op: 'drop', name: c.string(r.name, 'the collection id', limits.maxNameLength, 1) }
    case 'subscribe':
      return {
        op: 'subscribe',
        collection: collection(),
        fromSeq: c.int(r.fromSeq, 'fromSeq'),
        client: c.string(r.client, 'the client id', limits.maxNameLength, 1),
      }
    case 'unsubscribe':
      return {
        op: 'unsubscribe',
        collection: collection(),
        client: c.string(r.client, 'the client id', limits.maxNameLength, 1),
      }
  }
}
