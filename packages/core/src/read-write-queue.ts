import { isPromiseLike, type MaybePromise } from './driver'

/**
 * Orders work on one async connection: any number of shared holders (reads)
 * at once, or one exclusive holder (a transaction). Writer-preferring: once a
 * transaction waits, later reads queue behind it, so a steady stream of reads
 * never starves writes. Work that can start at once starts synchronously.
 */
export class ReadWriteQueue {
  private readers = 0
  private writer = false
  private readonly waiting: Array<{ exclusive: boolean; start: () => void }> = []

  shared<T>(work: () => MaybePromise<T>): MaybePromise<T> {
    if (!this.writer && this.waiting.length === 0) return this.hold(false, work)
    return this.wait(false, work)
  }

  exclusive<T>(work: () => MaybePromise<T>): MaybePromise<T> {
    if (!this.writer && this.readers === 0 && this.waiting.length === 0) return this.hold(true, work)
    return this.wait(true, work)
  }

  private wait<T>(exclusive: boolean, work: () => MaybePromise<T>): Promise<T> {
    return new Promise<void>((start) => this.waiting.push({ exclusive, start })).then(() =>
      this.run(exclusive, work),
    )
  }

  /** Takes the lock now and runs `work`. */
  private hold<T>(exclusive: boolean, work: () => MaybePromise<T>): MaybePromise<T> {
    if (exclusive) this.writer = true
    else this.readers++
    return this.run(exclusive, work)
  }

  /** Runs `work` with the lock already taken, releasing it when the work settles. */
  private run<T>(exclusive: boolean, work: () => MaybePromise<T>): MaybePromise<T> {
    let result: MaybePromise<T>
    try {
      result = work()
    } catch (error) {
      this.release(exclusive)
      throw error
    }
    if (!isPromiseLike(result)) {
      this.release(exclusive)
      return result
    }
    return result.then(
      (value) => {
        this.release(exclusive)
        return value
      },
      (error: unknown) => {
        this.release(exclusive)
        throw error
      },
    )
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.writer = false
    else this.readers--
    // Hand the lock on: the next transaction alone, or every read up to the next transaction.
    while (this.waiting.length > 0 && !this.writer) {
      const next = this.waiting[0]!
      if (next.exclusive) {
        if (this.readers > 0) return
        this.writer = true
      } else {
        this.readers++
      }
      this.waiting.shift()
      next.start()
    }
  }
}
