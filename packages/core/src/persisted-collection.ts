import {
  localOnlyCollectionOptions,
  PERSISTED_READINESS,
  type LocalOnlyCollectionConfig,
  type LocalOnlyCollectionUtils,
  type CollectionConfig,
  type DeleteMutationFn,
  type InsertMutationFn,
  type SyncConfig,
  type UpdateMutationFn,
  type UtilsRecord,
} from '@tanstack/db'
import { decodeKey, decodeValue, encodeValue } from './codec'
import { InvalidCollectionIdError, InvalidOptionsError } from './errors'
import { createPersistedSync } from './persisted-sync'
import { RestoreReadiness } from './readiness'
import { DurableQueue } from './durable-queue'
import { PersistenceStatus, type PersistenceStatusSnapshot } from './status'
import type { PersistenceBackend } from './backend'
import type { MigrateRows } from './store'

export interface PersistedCollectionPersistenceOptions<T = unknown> {
  /** Stable id: names the collection on disk. Required. */
  id: string
  /** A local persistence (e.g. createNodeSQLitePersistence) or a remote one (`@persistdb/core/remote`). */
  persistence: PersistenceBackend
  /**
   * Version of the row shape. Synced collections: a change drops the rows and
   * the source's resume metadata together, so the source resyncs in full.
   * Local-only: a change is an error unless `migrate` is given. Default 1.
   */
  schemaVersion?: number
  /**
   * Local-only: transforms a row stored at an older `schemaVersion` in place
   * (return `null` to drop it). Runs once, in one transaction, before the
   * collection hydrates; if it throws, nothing changes.
   */
  migrate?: (row: unknown, fromVersion: number) => T | null
  /** Hooks may render restored rows after this long without the source. Default 500 ms. */
  networkTimeoutMs?: number
  /** A synced collection with cached rows is marked ready after this long without its source. Default 2000 ms. */
  offlineReadyTimeoutMs?: number
}

export interface PersistedCollectionUtils extends UtilsRecord {
  getPersistenceStatus: () => PersistenceStatusSnapshot
}

type PersistenceKeys = keyof PersistedCollectionPersistenceOptions

type SyncedInput = { sync: SyncConfig<any, any>; utils?: UtilsRecord } // eslint-disable-line @typescript-eslint/no-explicit-any

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type InnerUtils<TConfig extends SyncedInput> = TConfig['utils'] extends UtilsRecord ? TConfig['utils'] : {}

type SyncedUtils<TConfig extends SyncedInput> = InnerUtils<TConfig> & PersistedCollectionUtils

type MutationHandlerKeys = 'onInsert' | 'onUpdate' | 'onDelete'

/**
 * The handlers are retyped with the widened utils: left with the inner
 * config's utils type, createCollection would infer that narrower type from
 * their parameters and drop `getPersistenceStatus` from `collection.utils`.
 */
type SyncedHandlers<TConfig extends SyncedInput> =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  TConfig extends CollectionConfig<infer T, infer TKey, any, any>
    ? {
        onInsert?: InsertMutationFn<T, TKey, SyncedUtils<TConfig>>
        onUpdate?: UpdateMutationFn<T, TKey, SyncedUtils<TConfig>>
        onDelete?: DeleteMutationFn<T, TKey, SyncedUtils<TConfig>>
      }
    : unknown

type SyncedKeys = PersistenceKeys | 'utils' | MutationHandlerKeys

type SyncedResult<TConfig extends SyncedInput> = Omit<TConfig, SyncedKeys> &
  SyncedHandlers<TConfig> & { id: string; utils: SyncedUtils<TConfig> }

type LocalInput<T extends object, TKey extends string | number> = Omit<
  LocalOnlyCollectionConfig<T, never, TKey>,
  'id'
> &
  PersistedCollectionPersistenceOptions<T> & { sync?: never }

export type PersistedLocalOnlyResult<T extends object, TKey extends string | number> = CollectionConfig<
  T,
  TKey,
  never,
  LocalOnlyCollectionUtils & PersistedCollectionUtils
> & { id: string; utils: LocalOnlyCollectionUtils & PersistedCollectionUtils }

/**
 * Makes a collection durable in SQLite. Without `sync` the collection is
 * local-only and lives in SQLite; with one (e.g. `{...queryCollectionOptions(...)}`)
 * SQLite keeps a durable replica of what the source synced.
 */
export function persistedCollectionOptions<TConfig extends SyncedInput>(
  options: TConfig & PersistedCollectionPersistenceOptions,
): SyncedResult<TConfig>
export function persistedCollectionOptions<T extends object, TKey extends string | number = string | number>(
  options: LocalInput<T, TKey>,
): PersistedLocalOnlyResult<T, TKey>
export function persistedCollectionOptions(options: object): unknown {
  const {
    persistence,
    schemaVersion = 1,
    migrate,
    networkTimeoutMs = 500,
    offlineReadyTimeoutMs = 2000,
    ...config
  } = options as Record<string, unknown> & PersistedCollectionPersistenceOptions
  validate(options as Record<string, unknown>, schemaVersion, networkTimeoutMs, offlineReadyTimeoutMs)
  const id = config.id as string
  const readiness = new RestoreReadiness(networkTimeoutMs)
  const status = new PersistenceStatus()
  const utils = { getPersistenceStatus: () => status.snapshot() }
  const base = {
    persistence,
    name: id,
    syncMode: config.syncMode === 'on-demand' ? ('on-demand' as const) : ('eager' as const),
    schemaVersion,
    migrate: migrate ? migrationPlan(migrate, schemaVersion, config.getKey as GetKey | undefined) : undefined,
    offlineReadyTimeoutMs,
    readiness,
    status,
    durability: new DurableQueue(),
  }

  if (config.sync !== undefined) {
    const sync = createPersistedSync(config.sync as SyncConfig<object, string | number>, {
      ...base,
      kind: 'synced',
      initialData: undefined,
    })
    return {
      ...config,
      sync,
      utils: { ...(config.utils as UtilsRecord | undefined), ...utils },
      [PERSISTED_READINESS]: readiness,
    }
  }

  // Local-only: core's own local-only collection, with its loopback sync
  // persisted. initialData is applied by us, on the first run only.
  const { initialData, ...localConfig } = config as { initialData?: object[] } & Record<string, unknown>
  const sync = persistence.isSync
  const local = localOnlyCollectionOptions({
    ...localConfig,
    // Async driver: every write goes through a handler, so it can wait for disk.
    ...(sync
      ? {}
      : {
          onInsert: localConfig.onInsert ?? noop,
          onUpdate: localConfig.onUpdate ?? noop,
          onDelete: localConfig.onDelete ?? noop,
        }),
  } as unknown as LocalOnlyCollectionConfig<object, never, string | number>)
  return {
    ...local,
    ...(sync ? {} : awaitDurability(local, base.durability, readiness, persistence)),
    sync: createPersistedSync(local.sync, { ...base, kind: 'local', initialData }),
    utils: {
      ...local.utils,
      ...utils,
      // Returns a promise (async drivers) that settles when the accepted mutations are on disk.
      acceptMutations: (transaction: Parameters<typeof local.utils.acceptMutations>[0]) => {
        if (sync) return void local.utils.acceptMutations(transaction)
        const accept = () => {
          const since = base.durability.position
          local.utils.acceptMutations(transaction)
          return base.durability.whenDurable(since)
        }
        // Core drops what is accepted before the collection's sync runs: during an async restore, wait.
        return readiness.getSnapshot().status === 'ready' ? accept() : readiness.whenRestored().then(accept)
      },
    },
    [PERSISTED_READINESS]: readiness,
  }
}

const noop = async (): Promise<void> => undefined

type Handler = (params: never) => Promise<unknown>

/** Wraps local-only handlers so a transaction resolves only once its rows are durable. */
function awaitDurability(
  local: { onInsert?: unknown; onUpdate?: unknown; onDelete?: unknown },
  durability: DurableQueue,
  readiness: RestoreReadiness,
  persistence: PersistenceBackend,
): Record<string, Handler> {
  const out: Record<string, Handler> = {}
  for (const name of ['onInsert', 'onUpdate', 'onDelete'] as const) {
    const handler = local[name] as Handler | undefined
    if (!handler) continue
    // Tracked from the moment the write is accepted: a close() called right after
    // insert() waits for it, instead of finding nothing in flight yet.
    out[name] = (params) =>
      persistence.track(
        (async () => {
          // A write made while an async restore is under way is confirmed (and persisted) once it is done.
          await readiness.whenRestored()
          // The handler queues its write; others may queue theirs meanwhile: any failure in the window counts.
          const since = durability.position
          const result = await handler(params)
          await durability.whenDurable(since)
          return result
        })(),
      )
  }
  return out
}

type GetKey = (row: unknown) => unknown

export function migrationPlan(
  migrate: (row: unknown, fromVersion: number) => unknown,
  to: number,
  getKey: GetKey | undefined,
): (from: number) => MigrateRows {
  return (from) => ({
    from,
    to,
    transform: (encoded, storedKey) => {
      const next = migrate(decodeValue(encoded), from)
      if (next === null) return null
      // Rows are stored under their key: a migrated row must keep it, or the collection would hold it under
      // a key its getKey no longer returns.
      if (getKey) {
        const before = decodeKey(storedKey)
        const after: unknown = getKey(next)
        if (after !== before) {
          const show = (k: unknown) => (typeof k === 'string' ? JSON.stringify(k) : String(k))
          throw new Error(
            `migrate changed the key of row ${show(before)} to ${show(after)}; a migration must keep each row's key`,
          )
        }
      }
      return encodeValue(next)
    },
  })
}

function validate(options: Record<string, unknown>, schemaVersion: unknown, ...timeouts: unknown[]): void {
  if (typeof options.id !== 'string' || options.id.length === 0) {
    throw new InvalidCollectionIdError(
      'persistedCollectionOptions needs a stable, non-empty string `id`: it names the collection on disk, ' +
        'so a generated id would lose the data at the next start.',
    )
  }
  const persistence = options.persistence as { commitBatch?: unknown; openCollection?: unknown } | undefined
  if (
    !persistence ||
    typeof persistence.commitBatch !== 'function' ||
    typeof persistence.openCollection !== 'function'
  ) {
    throw new InvalidOptionsError(
      'persistedCollectionOptions needs `persistence`, e.g. createNodeSQLitePersistence({ path }).',
    )
  }
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion < 0) {
    throw new InvalidOptionsError(
      `schemaVersion must be a non-negative integer (got ${String(schemaVersion)}).`,
    )
  }
  for (const t of timeouts) {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      throw new InvalidOptionsError(`Timeouts must be finite numbers >= 0 (got ${String(t)}).`)
    }
  }
  if (options.sync !== undefined && typeof (options.sync as { sync?: unknown }).sync !== 'function') {
    throw new InvalidOptionsError('`sync` must be a TanStack DB sync config with a `sync` function.')
  }
  if (options.migrate !== undefined && typeof options.migrate !== 'function') {
    throw new InvalidOptionsError('`migrate` must be a function (row, fromVersion) => newRow | null.')
  }
}
