/** The leader's options and the state of the one transaction it has open. */
import type { ErrorEnvelope } from '@persistdb/core/remote'
import type { Request, Response } from './protocol'
import type { StorageKind } from './sqlite'

export interface LeaderOptions {
  databaseName: string
  leaderId: string
  storage: StorageKind
  wasmUrl?: string
  asyncWasmUrl?: string
  openTimeoutMs: number
  /** An open transaction idle this long is checked: rolled back if its tab is gone. */
  txIdleMs: number
  testHooks: boolean
  /** After this long without a commit the WAL is checkpointed and emptied (0: never; WAL files only). */
  idleCheckpointMs?: number
  log: (message: string) => void
  /** This worker's tab, and how to answer it directly (postMessage instead of a BroadcastChannel hop). */
  ownClient: string
  replyToOwnTab: (response: Response) => void
}

export type TxRequest = Extract<Request, { txId: string }>
export type TxStep = Extract<Request, { t: 'tx' }>

export interface ActiveTx {
  txId: string
  attempt: string
  client: string
  /** Statements run so far in this attempt. */
  n: number
  /** The step being served or last served, and its answer once sent (a resent step gets it again). */
  stepId: number | undefined
  last: Response | undefined
  /** A statement failed whose result nobody awaited (a batched `run`): this attempt can never commit. */
  poisoned: ErrorEnvelope | undefined
  lastActivity: number
}

export function txUnknown(txId: string): ErrorEnvelope {
  return { name: 'Error', message: `transaction ${txId} is not open on this leader`, kind: 'TX_UNKNOWN' }
}
