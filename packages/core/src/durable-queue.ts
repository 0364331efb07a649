/**
 * Async drivers: durable writes of one collection run one after another in
 * commit order, and a local-only handler can wait until everything committed
 * so far is on disk (or learn that it failed).
 *
 * Failures are kept by write position, not as one "last failure": several
 * handlers may be waiting at once (writes issued together, or all failing
 * because the persistence closed), and each must learn of a failure among the
 * writes it waited for, none acknowledged over a write that failed.
 */
export class DurableQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private written = 0
  private readonly failures = new Map<number, unknown>()

  /** How many writes were queued so far: a waiter's window starts here. */
  get position(): number {
    return this.written
  }

  /** Queues `write` after every earlier one has settled; a failure never blocks later writes. */
  enqueue<T>(write: () => Promise<T> | T): { readonly result: Promise<T>; readonly position: number } {
    const next = this.tail.then(write, write)
    this.tail = next.catch(() => undefined)
    return { result: next, position: this.written++ }
  }

  /** Records that the write at `position` failed, for the waiters whose window holds it. */
  fail(position: number, error: unknown): void {
    this.failures.set(position, error)
    // Failures come in bursts at worst (a closed persistence); keep the recent ones.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!)
  }

  /** Resolves once every write queued so far is settled, failed or not (for reads that must see them). */
  settled(): Promise<void> {
    return this.tail.then(() => undefined)
  }

  /**
   * Resolves once every write queued so far is settled; rejects with the
   * first failure among the writes queued from position `since` on.
   */
  whenDurable(since: number): Promise<void> {
    const until = this.written
    return this.tail.then(() => {
      for (let at = since; at < until; at++) {
        if (this.failures.has(at)) throw this.failures.get(at)
      }
    })
  }
}
