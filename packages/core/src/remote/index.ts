/**
 * @persistdb/core/remote: PersistDB's named operations across a process
 * boundary. `serveOperations` runs where the file is (Electron's main, a
 * server); `createRemotePersistence` is what `persistedCollectionOptions`
 * takes on the other side. Requests are plain structured-clone data and never
 * carry SQL.
 */
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
export {
  fromEnvelope,
  RemoteRequestRefusedError,
  RemoteUnavailableError,
  toEnvelope,
  type ErrorEnvelope,
} from './operation-errors'
