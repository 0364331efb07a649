/**
 * One write at a time per database file within this JS runtime. Two
 * persistence objects on one file (a component mounted twice under React
 * StrictMode, a second `open` of the same name) have two connections; without
 * this, the second would wait for SQLite's write lock while the first still
 * needs the JS thread to finish its transaction (a synchronous engine such as
 * op-sqlite's Node build would stall for the whole busy timeout). Writers in
 * other runtimes (another process, an app extension) still meet SQLite's own
 * lock and busy timeout.
 */
const tails = new Map<string, Promise<void>>()

export function withFileLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = tails.get(key) ?? Promise.resolve()
  const result = before.then(work)
  const tail = result.then(
    () => undefined,
    () => undefined,
  )
  tails.set(key, tail)
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key)
  })
  return result
}
