import type { LoadSubsetOptions, SyncConfigRes } from '@tanstack/db'
import type { SubsetLoader } from './subset-loader'

export interface OnDemandHost {
  /** Resolves when the restore is done (undefined: it already is). Rejects with the start's failure. */
  readonly started: Promise<void> | undefined
  readonly loader: () => SubsetLoader<object, string | number> | undefined
  /** The inner source's own handlers (synced collections). */
  readonly source: () => SyncConfigRes | undefined
  readonly synced: boolean
  /** The collection had rows before this start: a failing or silent source does not hide them. */
  readonly cacheUsable: () => boolean
  readonly offlineReadyTimeoutMs: number
  readonly onSourceError: (error: unknown) => void
  readonly isClosed: () => boolean
}

/**
 * The `loadSubset` / `unloadSubset` pair of an on-demand persisted collection:
 * rows come from SQLite first, then (synced) the request goes to the source.
 * A subset already loaded answers `true` synchronously when the source does
 * too. Never throws synchronously; unload never throws.
 */
export function onDemandHandlers(
  host: OnDemandHost,
): Required<Pick<SyncConfigRes, 'loadSubset' | 'unloadSubset'>> {
  let startFailure: { error: unknown } | undefined
  let starting = host.started
  starting?.then(
    () => {
      starting = undefined
    },
    (error: unknown) => {
      startFailure = { error }
      starting = undefined
    },
  )

  const forward = (options: LoadSubsetOptions): true | Promise<void> => {
    const inner = host.isClosed() ? undefined : host.source()?.loadSubset
    if (!inner) return true
    let result: true | Promise<void>
    try {
      result = inner(options)
    } catch (error) {
      result = Promise.reject(error)
    }
    if (result === true || !host.cacheUsable()) return result
    return tolerateOffline(result, host)
  }

  const load = (options: LoadSubsetOptions): true | Promise<void> => {
    if (startFailure) return Promise.reject(startFailure.error)
    const loader = host.loader()
    if (!loader || host.isClosed()) return true
    const local = loader.load(options)
    if (!host.synced) return local
    if (local === true) return forward(options)
    return local.then(() => {
      const source = forward(options)
      return source === true ? undefined : source
    })
  }

  return {
    loadSubset: (options) => {
      if (!starting) return load(options)
      return starting.then(() => {
        const result = load(options)
        return result === true ? undefined : result
      })
    },
    unloadSubset: (options) => {
      const unload = () => {
        try {
          host.loader()?.unload(options)
          host.source()?.unloadSubset?.(options)
        } catch {
          // unloadSubset must never throw
        }
      }
      if (starting) starting.then(unload, () => undefined)
      else unload()
    },
  }
}

/**
 * With cached rows on disk, a source that fails or stays silent does not keep
 * the query waiting: the subset settles with the cached rows after the offline
 * timeout (or at the failure, recorded as the source's error). Rows the source
 * sends later still arrive.
 */
function tolerateOffline(request: Promise<void>, host: OnDemandHost): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, host.offlineReadyTimeoutMs)
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    request.then(done, (error: unknown) => {
      host.onSourceError(error)
      done()
    })
  })
}
