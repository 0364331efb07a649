/**
 * Messages between the test process (Electron's IPC router, emulated) and the
 * forked "main" process. They cross a real structured-clone boundary
 * (`child_process.fork(..., { serialization: 'advanced' })`), as Electron's
 * IPC does.
 */

/** A frame as main sees it on `event.senderFrame` (null: the frame is gone). */
export interface FrameSpec {
  url: string
  origin: string
  mainFrame: boolean
}

export type ToMain =
  | {
      t: 'invoke'
      id: number
      webContentsId: number
      frame: FrameSpec | null
      channel: string
      args: unknown[]
    }
  | { t: 'webcontents'; webContentsId: number; event: 'destroyed' | 'did-navigate' | 'render-process-gone' }
  /** Calls the function exposeElectronSQLitePersistence returned. */
  | { t: 'stop' }
  /** Serves again after a stop (a new exposeElectronSQLitePersistence on the same persistence). */
  | { t: 'serve' }

export type FromMain =
  | { t: 'ready' }
  | { t: 'stopped' }
  | { t: 'invoke-result'; id: number; ok: true; value: unknown }
  /** What ipcRenderer.invoke rejects with: Electron passes only a message. */
  | { t: 'invoke-result'; id: number; ok: false; message: string }
  | { t: 'send'; webContentsId: number; channel: string; args: unknown[] }
  | { t: 'fatal'; message: string }

/** Options of the main child, passed as JSON on its command line. */
export interface MainChildOptions {
  file: string
  channel?: string
  allowOrigins?: string[]
  allowSubframes?: boolean
  collections?: string[]
  maxMessageBytes?: number
}
