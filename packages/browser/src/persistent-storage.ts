/**
 * Persistent storage: a site's data is "best effort" by default and the
 * browser may evict it under storage pressure. `navigator.storage.persist()`
 * asks to keep it; Chromium decides without a prompt (site engagement,
 * installed app, granted permission), Firefox may ask the user.
 *
 * - `granted`: the browser will not evict this site's storage on its own
 * - `denied`: it may (ask again later, e.g. after the user installs the app)
 * - `not-requested`: the option was off; `granted` if it was already persistent
 * - `unsupported`: this browser has no StorageManager.persist
 */
export type PersistentStorage = 'granted' | 'denied' | 'not-requested' | 'unsupported'

interface StorageManagerLike {
  persist?: () => Promise<boolean>
  persisted?: () => Promise<boolean>
}

export async function requestPersistentStorage(request: boolean): Promise<PersistentStorage> {
  const storage = (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage
  if (typeof storage?.persist !== 'function' || typeof storage.persisted !== 'function') return 'unsupported'
  try {
    if (await storage.persisted()) return 'granted'
    if (!request) return 'not-requested'
    return (await storage.persist()) ? 'granted' : 'denied'
  } catch {
    // A browser that refuses to answer (some private modes) has not granted it.
    return request ? 'denied' : 'not-requested'
  }
}
