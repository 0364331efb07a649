import type { ElectronWebContents } from './electron-types'

/**
 * The windows main pushes change notices to: every webContents that made an
 * allowed request, until it is destroyed, its renderer dies, or it navigates
 * (a reloaded page is a new client; it joins again with its first request).
 */
export class SubscribedWindows {
  private readonly windows = new Map<number, { contents: ElectronWebContents; forget: () => void }>()

  constructor(
    private readonly noticeChannel: string,
    /** Called when a window leaves, so per-window state can be dropped. */
    private readonly onLeave: (webContentsId: number) => void,
  ) {}

  /** Subscribes `contents` (idempotent). */
  join(contents: ElectronWebContents): void {
    if (this.windows.has(contents.id) || contents.isDestroyed()) return
    const forget = () => this.leave(contents.id)
    contents.on('destroyed', forget)
    contents.on('render-process-gone', forget)
    contents.on('did-navigate', forget)
    this.windows.set(contents.id, { contents, forget })
  }

  leave(webContentsId: number): void {
    const window = this.windows.get(webContentsId)
    if (!window) return
    this.windows.delete(webContentsId)
    window.contents.removeListener('destroyed', window.forget)
    window.contents.removeListener('render-process-gone', window.forget)
    window.contents.removeListener('did-navigate', window.forget)
    this.onLeave(webContentsId)
  }

  /** Pushes `notice` to every subscribed window, or to one (`only`). A window that is gone is dropped. */
  push(notice: unknown, only?: number): void {
    for (const [id, { contents }] of [...this.windows]) {
      if (only !== undefined && id !== only) continue
      if (contents.isDestroyed()) {
        this.leave(id)
        continue
      }
      try {
        contents.send(this.noticeChannel, notice)
      } catch {
        // Destroyed between the check and the send: it will not hear anything again.
        this.leave(id)
      }
    }
  }

  get size(): number {
    return this.windows.size
  }

  /** Unsubscribes every window (stop()). */
  clear(): void {
    for (const id of [...this.windows.keys()]) this.leave(id)
  }
}
