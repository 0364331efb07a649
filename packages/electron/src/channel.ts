/**
 * What crosses Electron's IPC, and the two fixed-meaning functions a page
 * gets (`PersistDBBridge`). Messages are structured-clone data only.
 */

/** `ipcRenderer.invoke` channel of requests; change notices come back on `<channel>:notice`. */
export const DEFAULT_CHANNEL = 'persistdb'

export const noticeChannel = (channel: string) => `${channel}:notice`

/**
 * What a page may do with the database, and nothing more: send one PersistDB
 * request to main on one channel, and hear main's change notices. This is
 * what the preload script exposes through `contextBridge` (never
 * `ipcRenderer` itself).
 */
export interface PersistDBBridge {
  /**
   * Sends one request; never rejects (an error's class and code would not
   * survive contextBridge): a transport failure resolves to an `IpcFailure`.
   */
  request(message: unknown): Promise<unknown>
  /** Calls `listener` with every change notice main pushes; returns a function that stops listening. */
  onNotice(listener: (notice: unknown) => void): () => void
}

/** How the bridge reports that `ipcRenderer.invoke` itself failed (no handler in main, main gone). */
export interface IpcFailure {
  readonly persistdbIpcFailure: true
  /** Electron's message, e.g. "Error invoking remote method 'persistdb': Error: No handler registered for 'persistdb'". */
  readonly message: string
}

export function isIpcFailure(value: unknown): value is IpcFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { persistdbIpcFailure?: unknown }).persistdbIpcFailure === true &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}

/** Electron's words when main has no handler for the channel (removed by stop(), or never registered). */
export function isNoHandlerMessage(message: string): boolean {
  return /No handler registered for/.test(message)
}
