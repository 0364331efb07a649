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
export {
  IpcMessageRefusedError,
  IpcSenderRefusedError,
  IpcUnavailableError,
  type RefusedMessageReason,
  type RefusedSender,
} from './errors'
export { DEFAULT_MAX_MESSAGE_BYTES } from './message-guard'
export {
  createPersistDBBridge,
  DEFAULT_BRIDGE_KEY,
  exposePersistDBBridge,
  type ExposePersistDBBridgeOptions,
  type PersistDBBridgeOptions,
} from './preload'
export type { AllowSender, SenderInfo } from './sender-policy'
