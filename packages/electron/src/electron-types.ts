/**
 * The parts of Electron's API this package uses, as structural types: the
 * package never imports `electron` (a type-only peer), and the tests drive it
 * through emulations of exactly these shapes. `test/electron-types.test-d.ts`
 * checks that Electron's own objects satisfy them.
 */

/** `WebFrameMain`: the frame a message came from. */
export interface ElectronFrame {
  readonly url: string
  readonly origin: string
  /** null for a window's main frame. */
  readonly parent: ElectronFrame | null
}

/** `WebContents`: one window's (or webview's) page, which main can push messages to. */
export interface ElectronWebContents {
  readonly id: number
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
  on(event: 'destroyed', listener: () => void): unknown
  on(event: 'did-navigate', listener: () => void): unknown
  on(event: 'render-process-gone', listener: () => void): unknown
  removeListener(event: 'destroyed', listener: () => void): unknown
  removeListener(event: 'did-navigate', listener: () => void): unknown
  removeListener(event: 'render-process-gone', listener: () => void): unknown
}

/** `IpcMainInvokeEvent`: who sent an `ipcRenderer.invoke`. */
export interface ElectronInvokeEvent {
  readonly sender: ElectronWebContents
  /** null when the frame navigated or was destroyed before main looked. */
  readonly senderFrame: ElectronFrame | null
}

/** `ipcMain`, the handle/removeHandler half. */
export interface ElectronIpcMain {
  handle(channel: string, listener: (event: ElectronInvokeEvent, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

/** `ipcRenderer`, as a preload script sees it. Never hand it to the page. */
export interface ElectronIpcRenderer {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

/** `contextBridge`, in a preload script with context isolation on. */
export interface ElectronContextBridge {
  exposeInMainWorld(apiKey: string, api: unknown): void
}
