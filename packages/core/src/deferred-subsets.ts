import type { LoadSubsetOptions, SyncConfigRes } from '@tanstack/db'

/**
 * Async drivers: the source starts only after the restore, so core's subset
 * requests that arrive before then wait, in call order, and go to the source
 * once it runs (or fail with the start's error). Answering them `true` would
 * mark them loaded without ever asking the source.
 */
export function deferredSubsets(
  started: Promise<void>,
  source: () => SyncConfigRes | undefined,
  isClosed: () => boolean,
): Required<Pick<SyncConfigRes, 'loadSubset' | 'unloadSubset'>> {
  let waiting: Array<() => void> | undefined = []
  let startFailure: { error: unknown } | undefined
  const drain = () => {
    const queued = waiting ?? []
    waiting = undefined
    for (const run of queued) run()
  }
  started.then(drain, (error: unknown) => {
    startFailure = { error }
    drain()
  })
  const load = (options: LoadSubsetOptions): true | Promise<void> => {
    if (startFailure && !isClosed()) return Promise.reject(startFailure.error)
    const inner = isClosed() ? undefined : source()?.loadSubset
    try {
      return inner ? inner(options) : true
    } catch (error) {
      return Promise.reject(error)
    }
  }
  const unload = (options: LoadSubsetOptions): void => {
    try {
      source()?.unloadSubset?.(options)
    } catch {
      // unloadSubset must never throw
    }
  }
  return {
    loadSubset: (options) => {
      if (!waiting) return load(options)
      const queue = waiting
      return new Promise<void>((resolve, reject) => {
        queue.push(() => {
          const result = load(options)
          if (result === true) resolve()
          else result.then(resolve, reject)
        })
      })
    },
    unloadSubset: (options) => {
      if (waiting) waiting.push(() => unload(options))
      else unload(options)
    },
  }
}
