import type { ElectronWebContents } from './electron-types'

/**
 * Windows main has served, as peers of the operation server: one peer per
 * webContents, forgotten (its subscriptions end) when the window is
 * destroyed, its renderer dies, or it navigates (a reloaded page is a new
 * client; it subscribes again with its first requests).
 */
export class WindowPeers {
  private readonly windows = new Map<number, { contents: ElectronWebContents; forget: () => void }>()

  constructor(private readonly onLeave: (peerId: string) => void) {}

  static peerId(contents: ElectronWebContents): string {
    return `webContents:${contents.id}`
  }

  /** Watches `contents` from its first allowed request on (idempotent). */
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
    this.onLeave(WindowPeers.peerId(window.contents))
  }

  /** Forgets every window (stop()). */
  clear(): void {
    for (const id of [...this.windows.keys()]) this.leave(id)
  }
}
