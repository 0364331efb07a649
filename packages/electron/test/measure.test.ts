/**
 * Figures over the test boundary (forked "main" on better-sqlite3, structured
 * clone both ways): one-row write latency from a renderer, and the time for a
 * second window to see a commit. A measurement, not an assertion: runs only
 * with PERSISTDB_ELECTRON_MEASURE=<writes> (e.g. 200) and prints its numbers.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { EmulatedElectron } from './support/electron-emulation'
import { openTodos, tempDir, waitUntil } from './support/windows'

const WRITES = Number(process.env.PERSISTDB_ELECTRON_MEASURE ?? 0)
const tmp = tempDir()
afterAll(() => tmp.cleanup())

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2)
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms, min ${sorted[0]!.toFixed(2)} ms (n=${samples.length})`
}

describe.skipIf(!WRITES)('Electron boundary figures', () => {
  it('one-row write latency, and time for a second window to see it', async () => {
    const electron = await EmulatedElectron.start({ file: tmp.file() })
    try {
      const a = openTodos(electron.window())
      const b = openTodos(electron.window())
      await Promise.all([a.todos.preload(), b.todos.preload()])
      const write: number[] = []
      const seen: number[] = []
      for (let i = 0; i < WRITES; i++) {
        const id = `m-${i}`
        const start = performance.now()
        const visible = waitUntil(b.todos, (c) => c.has(id)).then(() => performance.now() - start)
        await a.todos.insert({ id, title: 'measure' }).isPersisted.promise
        write.push(performance.now() - start)
        seen.push(await visible)
      }
      console.log(`[electron] one-row write from a renderer: ${summary(write)}`)
      console.log(`[electron] second window sees the commit: ${summary(seen)}`)
      expect(b.todos.size).toBe(WRITES)
    } finally {
      await electron.close()
    }
  })
})
