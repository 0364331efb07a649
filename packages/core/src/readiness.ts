import type { PersistedReadinessSnapshot, PersistedReadinessSource } from '@tanstack/db'

/**
 * The PERSISTED_READINESS capability: tells framework hooks when restored
 * rows may render (after `networkTimeoutMs` if the source is slower), one
 * snapshot per sync run.
 */
export class RestoreReadiness implements PersistedReadinessSource {
  private snapshot: PersistedReadinessSnapshot = { status: 'loading' }
  private deadline: number | undefined
  private readonly listeners = new Set<() => void>()

  constructor(readonly networkTimeoutMs: number) {}

  getOrStartNetworkDeadline = (): number => (this.deadline ??= Date.now() + this.networkTimeoutMs)

  getSnapshot = (): PersistedReadinessSnapshot => this.snapshot

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Resolves once the collection's rows are restored (and its sync runs);
   * rejects with the reason when the restore failed. A local write waits for
   * this before core confirms it: core drops confirmations that arrive
   * before the collection's sync has started.
   */
  whenRestored(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): boolean => {
        const { status } = this.snapshot
        if (status === 'loading') return false
        if (status === 'error') reject(this.snapshot.error)
        else resolve()
        return true
      }
      if (check()) return
      const off = this.subscribe(() => {
        if (check()) off()
      })
    })
  }

  /** A new sync run: restore starts again, and so does the network deadline. */
  restart(): void {
    this.deadline = undefined
    this.set({ status: 'loading' })
  }

  restored(): void {
    this.set({ status: 'ready' })
  }

  failed(error: unknown): void {
    this.set({ status: 'error', error })
  }

  private set(snapshot: PersistedReadinessSnapshot): void {
    this.snapshot = snapshot
    for (const listener of [...this.listeners]) listener()
  }
}
