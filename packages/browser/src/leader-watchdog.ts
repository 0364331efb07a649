/**
 * Aborts the leader's open transaction when its tab died (the tab's Web Lock
 * is gone) or when it stalls for good: checked only while a transaction is
 * open and idle, never by busy polling.
 */
import { tabLock } from './protocol'

/** An open transaction is rolled back after this long without a statement, even if its tab lives. */
const TX_MAX_IDLE_MS = 30_000

export interface WatchedTx {
  client: string
  lastActivity: number
}

export class TxWatchdog {
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly databaseName: string,
    /** An open transaction idle this long is checked: rolled back if its tab is gone. */
    private readonly txIdleMs: number,
    private readonly current: () => WatchedTx | undefined,
    private readonly rollback: (why: string) => Promise<void>,
  ) {}

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.check(), Math.max(50, this.txIdleMs / 2))
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  private async check(): Promise<void> {
    const active = this.current()
    if (!active) return this.stop()
    const idle = Date.now() - active.lastActivity
    if (idle < this.txIdleMs) return
    let tabAlive = true
    try {
      const state = await navigator.locks.query()
      tabAlive = (state.held ?? []).some((lock) => lock.name === tabLock(this.databaseName, active.client))
    } catch {
      // Without lock state only the hard limit applies.
    }
    if (this.current() !== active) return
    if (!tabAlive) await this.rollback(`tab ${active.client} is gone`)
    else if (idle >= TX_MAX_IDLE_MS) await this.rollback(`idle for ${idle} ms`)
  }
}
