/**
 * `@persistdb/core/remote`: the transport-neutral protocol shared by every
 * PersistDB runtime that reaches its database across a message boundary (the
 * browser's tabs and their leader; Electron's renderers and main process).
 * Error envelopes, the versioned request base, change notices, fencing and
 * durable dedupe, and the client's exactly-once rule. See "Remote protocol" in
 * docs/architecture.md.
 */
export {
  CORE_ERROR_CLASSES,
  isEnvelope,
  reviveError,
  toEnvelope,
  type EnvelopeDetail,
  type ErrorClassTable,
  type ErrorEnvelope,
  type PersistenceErrorClass,
  type RemoteErrorKind,
} from './envelope'
export {
  failureResponse,
  MAX_CLIENT_ID_LENGTH,
  okResponse,
  protocolMismatch,
  randomId,
  readRequestBase,
  versionOf,
  type ChangeNotice,
  type RemoteFailure,
  type RemoteOk,
  type RemoteRequestBase,
  type RemoteResponse,
} from './protocol'
export {
  APPLIED_MAX,
  APPLIED_RETAIN_MS,
  currentTerm,
  fenceAndRecord,
  LEGACY_BROWSER_META_TABLE,
  MAX_TX_ID_LENGTH,
  pruneApplied,
  PRUNE_EVERY_COMMITS,
  RecentlyApplied,
  REMOTE_APPLIED_TABLE,
  REMOTE_META_TABLE,
  takeNextTerm,
  wasApplied,
} from './dedupe'
export {
  ALREADY_APPLIED,
  runExactlyOnce,
  type AttemptContext,
  type ExactlyOnceOptions,
  type WriteOutcome,
} from './exactly-once'
export { sqliteCodeName } from './sqlite-codes'
// Running the storage ops above on any driver, and the errors they throw.
export { drive, driveInTransaction, type StorageOp } from '../runner'
export {
  InvalidRemoteMessageError,
  LeaderFencedError,
  RemotePersistenceError,
  RemoteProtocolMismatchError,
} from '@persistdb/core'

// PersistDB's named operations across a process boundary (operations.ts): `serveOperations` runs where the
// file is (Electron's main); `createRemotePersistence` is what persistedCollectionOptions takes on the other
// side. Requests are plain structured-clone data and never carry SQL.
export { createRemotePersistence, RemotePersistence } from './client'
export type { RemotePersistenceOptions, RemoteTransport } from './client'
export { serveOperations } from './server'
export type { OperationPeer, OperationServer, ServeOperationsOptions } from './server'
export { OPERATIONS_PROTOCOL } from './operations'
export type {
  OperationBody,
  OperationName,
  OperationNotice,
  OperationRequest,
  OperationResponse,
  OperationResults,
  WireBatch,
  WireRow,
  WireStoredRow,
} from './operations'
export { DEFAULT_OPERATION_LIMITS, validateRequest } from './validate'
export type { OperationLimits } from './validate'
export { WIRE_FUNCTIONS, expressionToWire, subsetToWire } from './wire-query'
export type { WireExpression, WireOrderClause, WireScalar, WireSubsetRequest } from './wire-query'
export { RemoteRequestRefusedError, RemoteUnavailableError, reviveOperationError } from './operation-errors'
