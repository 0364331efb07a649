import type { MaybePromise } from '../../src'
import { isPromiseLike } from '../../src/driver'

/**
 * A transaction body written once for both modes: it yields each statement's
 * result, which is awaited only when the engine returned a promise, so a sync
 * driver runs it synchronously as its contract requires.
 */
export function flow<T>(gen: Generator<unknown, T, unknown>): MaybePromise<T> {
  const resume = (method: 'next' | 'throw', arg?: unknown): MaybePromise<T> => {
    for (;;) {
      const r = method === 'next' ? gen.next(arg) : gen.throw(arg)
      if (r.done) return r.value
      const value = r.value
      if (isPromiseLike(value))
        return value.then(
          (x) => resume('next', x),
          (e: unknown) => resume('throw', e),
        )
      method = 'next'
      arg = value
    }
  }
  return resume('next')
}

/** Turns a synchronous throw into a rejection, so one assertion fits both modes. */
export function attempt<T>(fn: () => MaybePromise<T>): Promise<T> {
  return Promise.resolve().then(fn)
}
