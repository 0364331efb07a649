/**
 * `@persistdb/electron`: one SQLite file in Electron's main process, any
 * number of windows, untrusted renderers. Main: exposeElectronSQLitePersistence.
 * Preload: exposePersistDBBridge. Renderer: createElectronSQLitePersistence.
 */
export {
  DEFAULT_CHANNEL,
  isIpcFailure,
  noticeChannel,
  type IpcFailure,
  type PersistDBBridge,
} from './channel'
export type {
  ElectronContextBridge,
  ElectronFrame,
  ElectronInvokeEvent,
  ElectronIpcMain,
  ElectronIpcRenderer,
  ElectronWebContents,
} from './electron-types'
export { DEFAULT_MAX_MESSAGE_BYTES } from './message-guard'
export {
  createPersistDBBridge,
  DEFAULT_BRIDGE_KEY,
  exposePersistDBBridge,
  type ExposePersistDBBridgeOptions,
  type PersistDBBridgeOptions,
} from './preload'
export type { AllowSender, RefusedSender, SenderInfo } from './sender-policy'
export {
  exposeElectronSQLitePersistence,
  type ExposeElectronSQLitePersistenceOptions,
  type StopServing,
} from './main'
export { createElectronSQLitePersistence, type CreateElectronSQLitePersistenceOptions } from './renderer'
export type { ElectronRendererTransport } from './renderer-transport'
// The renderer needs nothing else from core to define collections.
export { persistedCollectionOptions } from '@persistdb/core'
export { RemoteRequestRefusedError, RemoteUnavailableError } from '@persistdb/core/remote'
