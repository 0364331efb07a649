import * as tanstackDb from '@tanstack/db'
import type {
  SyncPersistenceCapabilityV1,
  SyncPersistenceScannedRow,
  SyncPersistenceScanOptions,
} from '@tanstack/db'
import { decodeKey, decodeValue } from './codec'
import { UnsupportedTanStackDbError } from './errors'
import type { StoredRow } from './store'

/** The only sync-persistence protocol this build was tested against (@tanstack/db 0.15.x, query-db-collection 1.4.x). */
const TESTED_PROTOCOL = '@tanstack/db/sync-persistence'
const TESTED_VERSION = 1

/**
 * Fails with a clear error when the installed @tanstack/db speaks another
 * version of the sync-persistence protocol than the one PersistDB was tested
 * with: a capability built for another version could let an adapter delete
 * cached rows it believes are retained.
 */
export function checkSyncPersistenceProtocol(core: Record<string, unknown> = tanstackDb): void {
  // Read through the namespace: a core without these exports must get this error, not a link failure.
  const protocol = core.SYNC_PERSISTENCE_PROTOCOL
  const version = core.SYNC_PERSISTENCE_VERSION
  if (protocol !== TESTED_PROTOCOL || version !== TESTED_VERSION) {
    throw new UnsupportedTanStackDbError(
      `sync-persistence protocol ${TESTED_PROTOCOL} v${TESTED_VERSION} (found ${String(protocol)} ` +
        `v${String(version)}); on-demand synced collections need it so that unloading a subset ` +
        `keeps its cached rows`,
    )
  }
}

export interface CapabilitySource {
  /** Every persisted row of the collection, read once the writes accepted so far are on disk. */
  readonly scanRows: (metadataOnly: boolean) => Promise<readonly StoredRow[]>
}

/**
 * `metadata.persistence` for on-demand synced collections. Its presence tells
 * adapters (query-db-collection) that rows outlive their subset: they keep
 * rows on unload and write retention markers instead of deletes, and read
 * row ownership back with `scanPersistedRows`. PersistDB restores and commits
 * in order by construction, so the turn/certify hooks have nothing to wait for.
 */
export function createSyncPersistenceCapability<TKey extends string | number>(
  source: CapabilitySource,
): SyncPersistenceCapabilityV1<TKey> {
  return {
    protocol: TESTED_PROTOCOL,
    version: TESTED_VERSION,
    // The restore runs before the source starts: the baseline is already in core.
    hydrateBaseline: () => Promise.resolve(),
    // Commits are persisted in core's order inside commit(); no turn to reserve.
    reserveCommitTurn: () => undefined,
    scanPersistedRows: async (options?: SyncPersistenceScanOptions) => {
      const stored = await source.scanRows(options?.metadataOnly === true)
      const out: Array<SyncPersistenceScannedRow<TKey>> = []
      for (const row of stored) {
        if (row.value === null) continue
        const metadata = row.meta === null ? undefined : decodeValue(row.meta)
        out.push({
          key: decodeKey(row.key) as TKey,
          value: decodeValue(row.value) as object,
          ...(metadata === undefined ? {} : { metadata }),
        })
      }
      return out
    },
    resumeSnapshot: {
      certify: () => Promise.resolve(),
      getKeySetEvidence: () => undefined,
      expectCurrentCommit: () => undefined,
    },
  }
}
