/**
 * `ipcRenderer` as a preload script sees it, emulated over a function that
 * carries `invoke` to main (through the test process's router) and an
 * emitter the router delivers `webContents.send` messages to. Used in the
 * test process and in window child processes alike.
 */
import { EventEmitter } from 'node:events'
import type { ElectronIpcRenderer } from '../../src/electron-types'

export type InvokeResult = { ok: true; value: unknown } | { ok: false; message: string }

export class EmulatedIpcRenderer implements ElectronIpcRenderer {
  private readonly emitter = new EventEmitter()

  constructor(private readonly carry: (channel: string, args: unknown[]) => Promise<InvokeResult>) {
    this.emitter.setMaxListeners(100)
  }

  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    const result = await this.carry(channel, args)
    // Electron rejects with a plain Error carrying only the message.
    if (!result.ok) throw new Error(result.message)
    return result.value
  }

  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): this {
    this.emitter.on(channel, listener)
    return this
  }

  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): this {
    this.emitter.removeListener(channel, listener)
    return this
  }

  /** The router delivers a `webContents.send(channel, ...args)` from main. */
  deliver(channel: string, args: unknown[]): void {
    this.emitter.emit(channel, { sender: this }, ...args)
  }

  listenerCount(channel: string): number {
    return this.emitter.listenerCount(channel)
  }
}
