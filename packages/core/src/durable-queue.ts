/**
 * Async drivers: durable writes of one collection run one after another in
 * commit order, and a local-only handler can wait until everything committed
 * so far is on disk (or learn that it failed).
 */
export class DurableQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private failure: unknown

  /** Queues `write` after every earlier one has settled; a failure never blocks later writes. */
  enqueue<T>(write: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(write, write)
    this.tail = next.catch(() => undefined)
    return next
  }

  /** Records a failed write for the next `whenDurable()` caller. */
  fail(error: unknown): void {
    this.failure ??= error
  }

  /** Resolves once every write queued so far is settled, failed or not (for reads that must see them). */
  settled(): Promise<void> {
    return this.tail.then(() => undefined)
  }

  /** Resolves once every write queued so far is settled; rejects with a failure since the last call. */
  whenDurable(): Promise<void> {
    return this.tail.then(() => {
      const failure = this.failure
      this.failure = undefined
      if (failure !== undefined) throw failure
    })
  }
}
