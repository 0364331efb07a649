/**
 * Electron's main-process IPC objects, emulated faithfully enough for the
 * package's main half: `ipcMain.handle` / `removeHandler` with Electron's own
 * rejection messages, and `webContents` objects whose `send` crosses the real
 * structured-clone boundary back to the test process. Runs in the forked
 * "main" child (main-child.ts).
 */
import { EventEmitter } from 'node:events'
import type {
  ElectronFrame,
  ElectronInvokeEvent,
  ElectronIpcMain,
  ElectronWebContents,
} from '../../src/electron-types'
import type { FrameSpec, FromMain } from './wire'

type Handler = (event: ElectronInvokeEvent, ...args: unknown[]) => unknown

export class EmulatedIpcMain implements ElectronIpcMain {
  private readonly handlers = new Map<string, Handler>()

  handle(channel: string, listener: Handler): void {
    // Electron's own rule: one handler per channel.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, listener)
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }

  /** What ipcRenderer.invoke resolves with, or the message it rejects with (all Electron passes on). */
  async dispatch(
    channel: string,
    event: ElectronInvokeEvent,
    args: unknown[],
  ): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
    const handler = this.handlers.get(channel)
    const prefix = `Error invoking remote method '${channel}': `
    if (!handler) return { ok: false, message: `${prefix}Error: No handler registered for '${channel}'` }
    try {
      return { ok: true, value: await handler(event, ...args) }
    } catch (error) {
      return { ok: false, message: `${prefix}${String(error)}` }
    }
  }
}

/** One window's page as main sees it. */
export class EmulatedWebContents extends EventEmitter implements ElectronWebContents {
  private destroyed = false

  constructor(
    readonly id: number,
    private readonly post: (message: FromMain) => void,
  ) {
    super()
  }

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed')
    this.post({ t: 'send', webContentsId: this.id, channel, args })
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  destroy(): void {
    this.destroyed = true
    this.emit('destroyed')
  }
}

/** A `WebFrameMain`-shaped frame: a subframe has a parent (the window's main frame). */
export function frameOf(spec: FrameSpec | null): ElectronFrame | null {
  if (!spec) return null
  const top: ElectronFrame = {
    url: spec.mainFrame ? spec.url : 'app://top/',
    origin: 'app://top',
    parent: null,
  }
  return spec.mainFrame
    ? { url: spec.url, origin: spec.origin, parent: null }
    : { url: spec.url, origin: spec.origin, parent: top }
}
