import { InvalidOptionsError } from './errors'
import type { StoredKey } from './codec'
import { headSeq, pruneChanges, type ChangeEntry } from './change-log'
import type { StorageOp } from './runner'
import type { RemoteChangeListener } from './backend'

/** Small pieces of SQLitePersistence (persistence.ts) that need none of its state. */

/** The keys other writers changed (null: reload all), or undefined when there is nothing to apply. */
export function keysFromOthers(
  entries: readonly ChangeEntry[],
  self: string,
): StoredKey[] | null | undefined {
  let keys: Set<StoredKey> | undefined
  for (const entry of entries) {
    if (entry.writer === self) continue
    if (entry.keys === null) return null
    keys ??= new Set()
    for (const key of entry.keys) keys.add(key)
  }
  return keys && [...keys]
}

/** Prunes against the newest entry on disk (maintenance, and every 64th commit). */
export function* pruneAll(maxEntries: number, maxAgeMs: number): StorageOp<void> {
  const head = yield* headSeq()
  yield* pruneChanges(head, maxEntries, maxAgeMs)
}

export function nonNegative(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionsError(`${name} must be a finite number >= 0 (got ${String(value)}).`)
  }
  return value
}

export function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  if (c?.randomUUID) return c.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`
}

export function reportPollError(error: unknown): void {
  // A failed poll is retried at the next tick; nothing was applied from it.
  console.error("[persistdb] reading other writers' changes failed; retrying", error)
}

/**
 * Hands change-log entries to the listeners of their collections. `gap`: entries were pruned
 * before they were read, so every listener reloads everything.
 */
export function deliverChanges(
  listeners: ReadonlyMap<number, ReadonlySet<RemoteChangeListener>>,
  entries: readonly ChangeEntry[],
  gap: boolean,
): void {
  if (gap) {
    for (const set of listeners.values()) for (const l of set) l.onRemoteChange(null)
    return
  }
  const perCollection = new Map<number, ChangeEntry[]>()
  for (const entry of entries) {
    if (!listeners.has(entry.collection)) continue
    const list = perCollection.get(entry.collection)
    if (list) list.push(entry)
    else perCollection.set(entry.collection, [entry])
  }
  for (const [num, list] of perCollection) {
    for (const listener of listeners.get(num) ?? []) {
      if (listener.onEntries) {
        listener.onEntries(list)
        continue
      }
      // A listener skips only its own commits: two collections with one id
      // in one process still see each other's writes.
      const keys = keysFromOthers(list, listener.writerId)
      if (keys !== undefined) listener.onRemoteChange(keys)
    }
  }
}
