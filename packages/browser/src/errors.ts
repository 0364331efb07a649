import { PersistenceError } from '@persistdb/core'
import type { ErrorClassTable } from '@persistdb/core/remote'

/**
 * No tab leads the database right now (every tab's worker is gone or still
 * failing to open the file), or the leader died and no other took over in
 * time. Nothing was applied unless `outcome` is `'unknown'`: then the
 * transaction was sent for commit and its fate could not be learned.
 */
export class LeaderUnavailableError extends PersistenceError {
  readonly outcome: 'not-applied' | 'unknown'

  constructor(databaseName: string, waitedMs: number, outcome: 'not-applied' | 'unknown' = 'not-applied') {
    super(
      'PERSISTDB_LEADER_UNAVAILABLE',
      `No tab leads PersistDB database "${databaseName}" (waited ${Math.round(waitedMs)} ms). ` +
        (outcome === 'unknown'
          ? 'The transaction was sent for commit before the leader vanished; whether it was applied is unknown ' +
            'until a leader is back (its rows will show up through the change log if it was). '
          : 'Nothing was applied. ') +
        'Every tab of this origin that opened the database lost its worker; reload the page to start a new one.',
    )
    this.outcome = outcome
  }
}

/** This browser cannot run the OPFS database (no sync access handles, Web Locks, BroadcastChannel or Worker). */
export class PersistenceUnavailableError extends PersistenceError {
  constructor(what: string) {
    super(
      'PERSISTDB_PERSISTENCE_UNAVAILABLE',
      `PersistDB cannot store data in this browser: ${what}. openBrowserWASQLiteOPFSDatabase needs a secure ` +
        `context (https or http://localhost), module Workers, Web Locks, BroadcastChannel and OPFS synchronous ` +
        `access handles in dedicated workers (Chromium 108+, Firefox 111+, Safari 16.4+; not in some private ` +
        `modes). Pass \`fallback: 'indexeddb'\` to store the database in IndexedDB instead, or catch this error ` +
        `(code PERSISTDB_PERSISTENCE_UNAVAILABLE) and use an in-memory collection for this session.`,
    )
  }
}

/** The leader could not open the database file within its bounded retries. */
export class DatabaseOpenError extends PersistenceError {
  constructor(databaseName: string, cause: string) {
    super(
      'PERSISTDB_OPEN_FAILED',
      `The leading tab could not open PersistDB database "${databaseName}": ${cause}.`,
    )
  }
}

/**
 * The origin's storage quota is used up: a write needed more space than the
 * browser grants this site. The transaction was rolled back; stored rows are
 * intact, and writing works again once space is freed.
 */
export class StorageQuotaError extends PersistenceError {
  constructor(databaseName: string, detail: string) {
    super(
      'PERSISTDB_QUOTA_EXCEEDED',
      `The browser's storage quota for this site is used up: PersistDB database "${databaseName}" could not ` +
        `grow (${detail}). The write was rolled back; rows stored before are intact. Free space (delete data ` +
        `this site keeps, or ask the user to free disk space), request persistent storage ` +
        `(\`persistentStorage: true\`), then write again.`,
    )
  }
}

/**
 * Another tab runs a different build of PersistDB with an incompatible tab
 * protocol: the tabs cannot share the database safely. Nothing was sent.
 */
export class TabProtocolMismatchError extends PersistenceError {
  readonly ours: number
  readonly theirs: number | undefined

  constructor(databaseName: string, ours: number, theirs: number | undefined) {
    super(
      'PERSISTDB_TAB_PROTOCOL_MISMATCH',
      `Another tab uses PersistDB database "${databaseName}" with a different PersistDB build (tab protocol ` +
        `${theirs ?? '1 or older'}; this tab speaks ${ours}). Tabs of different builds cannot share one ` +
        `database, so nothing was sent. Reload every tab of this site so they all run the same version.`,
    )
    this.ours = ours
    this.theirs = theirs
  }
}

/** The browser's own error classes by code: revived from a leader's envelopes as themselves. */
export const BROWSER_ERROR_CLASSES: ErrorClassTable = {
  PERSISTDB_LEADER_UNAVAILABLE: LeaderUnavailableError,
  PERSISTDB_PERSISTENCE_UNAVAILABLE: PersistenceUnavailableError,
  PERSISTDB_OPEN_FAILED: DatabaseOpenError,
  PERSISTDB_QUOTA_EXCEEDED: StorageQuotaError,
  PERSISTDB_TAB_PROTOCOL_MISMATCH: TabProtocolMismatchError,
}
