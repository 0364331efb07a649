import { InvalidOptionsError } from '@persistdb/core'
import { isIpcFailure, isNoHandlerMessage, type PersistDBBridge } from './channel'
import type { ElectronIpcRenderer } from './electron-types'
import { RemoteUnavailableError } from '@persistdb/core/remote'
import { checkedChannel, createPersistDBBridge } from './preload'

/** How a renderer reaches main: the preload's bridge (context isolation), `ipcRenderer`, or your own functions. */
export type ElectronRendererTransport =
  | { bridge: PersistDBBridge }
  | { ipcRenderer: ElectronIpcRenderer }
  | {
      /** Sends one message to main's handler (e.g. `(m) => ipcRenderer.invoke('persistdb', m)`). */
      invoke: (message: unknown) => Promise<unknown>
      /** Subscribes to main's change notices; returns an unsubscribe function. */
      onNotice?: (listener: (notice: unknown) => void) => () => void
    }

/** One request to main and back, as core's remote persistence sends it. */
export interface RendererLink {
  readonly channel: string
  send(message: unknown): Promise<unknown>
  onNotice(listener: (notice: unknown) => void): () => void
}

export function rendererLink(
  transport: ElectronRendererTransport,
  channelOption: string | undefined,
): RendererLink {
  const channel = checkedChannel(channelOption)
  const bridge = toBridge(transport, channel)
  return {
    channel,
    send: async (message) => {
      const answer = await bridge.request(message)
      if (!isIpcFailure(answer)) return answer
      // No handler: main is not serving (stopped, or never started on this channel). Fail fast.
      if (isNoHandlerMessage(answer.message))
        throw new RemoteUnavailableError(
          `the Electron main process does not serve PersistDB on IPC channel "${channel}" (stopped, or ` +
            'exposeElectronSQLitePersistence was never called with this channel); nothing was applied',
        )
      // Any other invoke failure ("reply was never sent": main went away, or the answer was lost): the
      // remote persistence sends the same request again (a commit keeps its transaction id), and reports
      // RemoteUnavailableError only when main stays silent.
      throw new Error(answer.message)
    },
    onNotice: (listener) => bridge.onNotice(listener),
  }
}

function toBridge(transport: ElectronRendererTransport, channel: string): PersistDBBridge {
  if (!transport || typeof transport !== 'object')
    throw new InvalidOptionsError(
      'createElectronSQLitePersistence needs { bridge }, { ipcRenderer } or { invoke }.',
    )
  if ('bridge' in transport) {
    const { bridge } = transport
    if (!bridge || typeof bridge.request !== 'function' || typeof bridge.onNotice !== 'function')
      throw new InvalidOptionsError(
        'createElectronSQLitePersistence: `bridge` is not the PersistDB bridge. Call exposePersistDBBridge(contextBridge, ' +
          'ipcRenderer) in the preload script and pass `window.persistdb`.',
      )
    return bridge
  }
  if ('ipcRenderer' in transport) return createPersistDBBridge(transport.ipcRenderer, { channel })
  if ('invoke' in transport && typeof transport.invoke === 'function') {
    const { invoke, onNotice } = transport
    return {
      request: (message) =>
        invoke(message).then(
          (answer) => answer,
          (error: unknown) => ({
            persistdbIpcFailure: true,
            message: error instanceof Error ? error.message : String(error),
          }),
        ),
      onNotice: onNotice ?? (() => () => undefined),
    }
  }
  throw new InvalidOptionsError(
    'createElectronSQLitePersistence needs { bridge }, { ipcRenderer } or { invoke }.',
  )
}
