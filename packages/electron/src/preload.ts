import { InvalidOptionsError } from '@persistdb/core'
import { DEFAULT_CHANNEL, noticeChannel, type IpcFailure, type PersistDBBridge } from './channel'
import type { ElectronContextBridge, ElectronIpcRenderer } from './electron-types'

export interface PersistDBBridgeOptions {
  /** IPC channel; the same as `exposeElectronSQLitePersistence({ channel })`. Default `'persistdb'`. */
  channel?: string
}

export interface ExposePersistDBBridgeOptions extends PersistDBBridgeOptions {
  /** The name the page sees: `window[key]`. Default `'persistdb'`. */
  key?: string
}

/** Default `window` key of the bridge. */
export const DEFAULT_BRIDGE_KEY = 'persistdb'

/**
 * The bridge over `ipcRenderer`, for a preload script. Its two functions
 * only ever touch `channel` and `<channel>:notice`: a page holding it cannot
 * reach any other IPC channel.
 */
export function createPersistDBBridge(
  ipcRenderer: ElectronIpcRenderer,
  options: PersistDBBridgeOptions = {},
): PersistDBBridge {
  const channel = checkedChannel(options.channel)
  const notices = noticeChannel(channel)
  return Object.freeze({
    request: (message: unknown): Promise<unknown> =>
      ipcRenderer.invoke(channel, message).then(
        (answer) => answer,
        (error: unknown): IpcFailure => ({
          persistdbIpcFailure: true,
          message: error instanceof Error ? error.message : String(error),
        }),
      ),
    onNotice: (listener: (notice: unknown) => void): (() => void) => {
      if (typeof listener !== 'function') throw new TypeError('onNotice needs a function')
      // The page's listener gets the notice only: never the IpcRendererEvent (it carries `sender`, ipcRenderer).
      const relay = (_event: unknown, notice: unknown) => listener(notice)
      ipcRenderer.on(notices, relay)
      return () => {
        ipcRenderer.removeListener(notices, relay)
      }
    },
  })
}

/**
 * In a preload script (context isolation on): puts the PersistDB bridge on
 * `window[key]` for the page, and nothing else.
 *
 * ```ts
 * import { contextBridge, ipcRenderer } from 'electron'
 * exposePersistDBBridge(contextBridge, ipcRenderer)
 * ```
 */
export function exposePersistDBBridge(
  contextBridge: ElectronContextBridge,
  ipcRenderer: ElectronIpcRenderer,
  options: ExposePersistDBBridgeOptions = {},
): void {
  const key = options.key ?? DEFAULT_BRIDGE_KEY
  if (typeof key !== 'string' || key.length === 0)
    throw new InvalidOptionsError('exposePersistDBBridge: `key` must be a non-empty string.')
  const bridge = createPersistDBBridge(ipcRenderer, options)
  // A fresh object of two functions: contextBridge copies it into the page's world.
  contextBridge.exposeInMainWorld(key, { request: bridge.request, onNotice: bridge.onNotice })
}

export function checkedChannel(channel: string | undefined): string {
  const name = channel ?? DEFAULT_CHANNEL
  if (typeof name !== 'string' || name.length === 0 || name.length > 200)
    throw new InvalidOptionsError(
      'PersistDB Electron: `channel` must be a non-empty string of at most 200 characters.',
    )
  return name
}
