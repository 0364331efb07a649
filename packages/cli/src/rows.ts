import { decodeKey, decodeValue } from '@persistdb/core/inspect'
import { collectionTable } from './collections'
import { pagedRows, type OpenFile } from './database'
import { renderHuman, toTypedJson } from './render'

export interface RowsOptions {
  readonly limit: number
  readonly json: boolean
  /** Show each row's metadata (what sync sources record) too. */
  readonly meta: boolean
}

/**
 * `persistdb rows`: rows in key order, decoded by core's codec exactly as the app reads them. Yields
 * output lines; keys that hold only metadata (no row) are shown only with `meta`.
 */
export function* listRows(file: OpenFile, collection: string, options: RowsOptions): Generator<string> {
  const table = collectionTable(file, collection)
  let shown = 0
  for (const stored of pagedRows(file.db, table, Math.min(Math.max(options.limit, 1), 2000))) {
    if (shown >= options.limit) return
    if (stored.value === null && !options.meta) continue
    shown++
    const key = decodeKey(stored.key)
    const value = stored.value === null ? undefined : decodeValue(stored.value)
    const meta = stored.meta === null ? undefined : decodeValue(stored.meta)
    if (options.json) {
      const line: Record<string, unknown> = { key }
      if (stored.value !== null) line.value = toTypedJson(value)
      if (options.meta && stored.meta !== null) line.meta = toTypedJson(meta)
      yield JSON.stringify(line)
    } else {
      const shownValue = stored.value === null ? '(no row: metadata only)' : renderHuman(value)
      yield `${renderHuman(key)}  ${shownValue}`
      if (options.meta && stored.meta !== null) yield `  meta ${renderHuman(meta)}`
    }
  }
}
