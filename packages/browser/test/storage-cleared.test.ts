/**
 * Issue 14 in real Chromium: what can happen to the OPFS database file while
 * the leader holds it (OPFSCoopSyncVFS, exclusive locking, sync access
 * handles), between writes. Removing the file itself is refused by the browser
 * (from the page, from another worker, through the handle): rows stay and
 * writing goes on. Clearing the origin's storage (the OPFS root removed
 * recursively, or CDP Storage.clearDataForOrigin as "Clear site data" does)
 * deletes it anyway: the next write, from any tab, fails with
 * DatabaseFileReplacedError and nothing is acknowledged after it. The same
 * holds when the IndexedDB fallback's database is cleared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { startHarness, type Harness, type Tab } from './support/harness'
import type { OpenOptions } from './support/page'
import { openTodosTab, todo } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

const keys = (rows: Array<{ key: string }>) => rows.map((row) => row.key)

/** Runs `remove` in the page and returns the name of the error it threw, or 'removed'. */
async function attempt(page: Page, name: string, how: string): Promise<string> {
  return page.evaluate(
    async ([file, way]) => {
      const root = await navigator.storage.getDirectory()
      try {
        if (way === 'removeEntry from the page') await root.removeEntry(file)
        else if (way === 'FileSystemHandle.remove() from the page')
          await ((await root.getFileHandle(file)) as unknown as { remove(): Promise<void> }).remove()
        else {
          const source = `onmessage = async (e) => { try { await (await navigator.storage.getDirectory()).removeEntry(e.data); postMessage('removed') } catch (x) { postMessage(x.name) } }`
          const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })))
          return await new Promise<string>((resolve) => {
            worker.onmessage = (event: MessageEvent<string>) => resolve(event.data)
            worker.postMessage(file)
          })
        }
        return 'removed'
      } catch (error) {
        return (error as Error).name
      }
    },
    [name, how] as const,
  )
}

/** A new tab on the database once every tab closed it: what is on disk now. */
function reopened(context: BrowserContext, options: OpenOptions): Promise<Tab> {
  return openTodosTab(harness, context, 'reopened', options)
}

describe('the OPFS file while the leader holds it', () => {
  it('removing the file is refused by the browser (page, handle, another worker); rows stay and writing goes on', async () => {
    const context = await harness.newContext()
    const databaseName = 'remove-refused'
    const tab = await openTodosTab(harness, context, 'leader', { databaseName })
    expect((await tab.call('insert', [todo('a')])).ok).toBe(true)
    const ways = [
      'removeEntry from the page',
      'FileSystemHandle.remove() from the page',
      'removeEntry from another worker',
    ]
    for (const [i, way] of ways.entries()) {
      expect(await attempt(tab.page, databaseName, way), way).toBe('NoModificationAllowedError')
      expect((await tab.call('insert', [todo(`after-${i}`)])).ok, way).toBe(true)
    }
    expect(await tab.call('opfsFileSize', databaseName)).toBeGreaterThan(0)
    await tab.call('close')
    const again = await reopened(context, { databaseName })
    expect(keys(await again.call('diskRows'))).toEqual(['a', 'after-0', 'after-1', 'after-2'])
    await context.close()
  })

  const ways = [
    'the OPFS root removed recursively',
    'Storage.clearDataForOrigin (Clear site data)',
    "Storage.clearDataForOrigin on the fallback: 'indexeddb'",
  ] as const
  for (const how of ways) {
    it(`${how}: the next write from any tab fails with PERSISTDB_FILE_REPLACED, nothing is acknowledged after it`, async () => {
      const context = await harness.newContext()
      const idb = how.includes('indexeddb')
      const databaseName = `cleared-${ways.indexOf(how)}`
      const db = { databaseName, ...(idb ? { noOpfs: true, fallback: 'indexeddb' as const } : {}) }
      const leader = await openTodosTab(harness, context, 'leader', db)
      const follower = await openTodosTab(harness, context, 'follower', db)
      expect(await follower.call('isLeader')).toBe(false)
      expect(await leader.call('storage')).toBe(idb ? 'indexeddb' : 'opfs')
      expect((await leader.call('insert', [todo('a')])).ok).toBe(true)
      if (how === 'Storage.clearDataForOrigin (Clear site data)') {
        // 4.8 MB in one commit: the WAL passes its 1000-page checkpoint, so the next commit overwrites WAL bytes
        // already allocated instead of growing the file (unless the idle checkpoint truncated it meanwhile).
        const big = Array.from({ length: 48 }, (_, i) => ({ ...todo(`big-${i}`), text: 'y'.repeat(100_000) }))
        expect((await leader.call('insert', big)).ok).toBe(true)
      }
      if (!idb) expect(await leader.call('opfsFileSize', databaseName)).toBeGreaterThan(0)

      if (how === 'the OPFS root removed recursively') {
        await leader.page.evaluate(async () => {
          const root = await navigator.storage.getDirectory()
          await (root as unknown as { remove(options: object): Promise<void> }).remove({ recursive: true })
        })
      } else {
        const cdp = await context.newCDPSession(leader.page)
        const origin = new URL(harness.url).origin
        await cdp.send('Storage.clearDataForOrigin', {
          origin,
          storageTypes: idb ? 'indexeddb' : 'file_systems',
        })
      }
      if (!idb) expect(await leader.call('opfsFileSize', databaseName)).toBeUndefined()

      // Each tab's next write fails typed (the follower's goes to the leader, which found the file gone)...
      const cleared =
        /was deleted while PersistDB had it open: this site's storage was cleared.*nothing after it is acknowledged.*reload every tab/s
      for (const [tab, id] of [
        [follower, 'b'],
        [leader, 'c'],
      ] as const) {
        const refused = await tab.call('insert', [todo(id)])
        expect(refused.ok, `${tab.name} ${id}`).toBe(false)
        const error = refused.ok ? undefined : refused.error
        if (error?.name === 'CollectionStateError') {
          // This tab's change-log poll found the file gone first: its persistence stopped with the same error.
          expect(await tab.call('persistenceError'), `${tab.name} ${id}`).toMatchObject({
            name: 'DatabaseFileReplacedError',
            code: 'PERSISTDB_FILE_REPLACED',
            message: expect.stringMatching(cleared),
          })
          continue
        }
        expect(error, `${tab.name} ${id}`).toMatchObject({
          code: 'PERSISTDB_WRITE_FAILED',
          cause: { name: 'DatabaseFileReplacedError', code: 'PERSISTDB_FILE_REPLACED' },
        })
        expect(error?.cause?.message).toMatch(cleared)
      }
      // ...and its collections are in their error state: nothing is taken after it.
      for (const [tab, id] of [
        [follower, 'd'],
        [leader, 'e'],
      ] as const) {
        const refused = await tab.call('insert', [todo(id)])
        expect(refused.ok ? undefined : refused.error, `${tab.name} ${id}`).toMatchObject({
          name: 'CollectionStateError',
          message: expect.stringMatching(/error state/),
        })
      }
      // What is at that path now: nothing was written there after the storage was cleared.
      if (!idb) expect(await leader.call('opfsFileSize', databaseName)).toBeUndefined()
      await leader.call('close')
      await follower.call('close')
      const again = await reopened(context, db)
      expect(keys(await again.call('diskRows'))).toEqual([])
      await context.close()
    })
  }
})
