/**
 * Issue 14 in real Chromium: the origin's storage quota runs out (shrunk
 * through the DevTools protocol, Storage.overrideQuotaForOrigin), persistent
 * storage is requested and reported, tabs of different PersistDB builds
 * (tab protocol versions) refuse each other with a clear error, and a file
 * that is not SQLite or is damaged is refused unchanged.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Page } from 'playwright-core'
import { startHarness, type Harness, type Tab } from './support/harness'
import { openTodosTab, todo } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

const ids = (rows: Array<{ id?: string; key?: string }>) => rows.map((row) => row.id ?? row.key)

/**
 * `big` is refused with the typed quota error (the transaction rolled back), and the tab's memory goes back
 * to what is stored (a reload from disk follows the rejection): only row 'a'.
 */
async function expectQuotaRefused(tab: Tab, big: { id: string; text: string }): Promise<void> {
  const refused = await tab.call('insert', [big])
  expect(refused.ok).toBe(false)
  expect(refused.ok ? undefined : refused.error).toMatchObject({
    code: 'PERSISTDB_WRITE_FAILED',
    cause: { name: 'StorageQuotaError', code: 'PERSISTDB_QUOTA_EXCEEDED' },
  })
  expect(refused.ok ? '' : refused.error.cause?.message).toMatch(
    /quota for this site is used up.*rolled back/s,
  )
  await vi.waitFor(async () => expect(ids(await tab.call('rows'))).toEqual(['a']), { timeout: 10_000 })
}

describe('storage quota exhausted', () => {
  it('a write that needs more space fails with StorageQuotaError, acknowledged rows stay, and writing works once space is freed', async () => {
    const context = await harness.newContext()
    const tab = await openTodosTab(harness, context, 'quota', { databaseName: 'quota' })
    expect((await tab.call('insert', [todo('a')])).ok).toBe(true)
    const cdp = await context.newCDPSession(tab.page)
    const origin = new URL(harness.url).origin
    const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin })
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 1024 })
    const big = { id: 'big', text: 'x'.repeat(2_000_000) }

    await expectQuotaRefused(tab, big)
    expect(ids(await tab.call('diskRows'))).toEqual(['a'])

    // Space comes back: the same write now succeeds, and so do later ones.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin })
    expect((await tab.call('insert', [big])).ok).toBe(true)
    expect((await tab.call('insert', [todo('c')])).ok).toBe(true)
    expect(ids(await tab.call('diskRows'))).toEqual(['a', 'big', 'c'])
    await context.close()
  })
})

describe("storage quota exhausted on the fallback: 'indexeddb' storage", () => {
  // Chromium does not enforce Storage.overrideQuotaForOrigin on IndexedDB here (with a 1-byte quota,
  // incompressible 3 MB writes kept succeeding while usage grew to 14 MB), so worker-idb-quota.ts aborts the
  // page-writing IndexedDB transactions with QuotaExceededError, as Chromium does when the quota is used up.
  // wa-sqlite's IDBBatchAtomicVFS never recovers from that abort (its engine call would hang): the leader's
  // worker reopens the connection on a fresh VFS instance (idb-storage.ts), which these tests prove.
  for (const writer of ['leader', 'follower'] as const) {
    it(`a write from the ${writer} tab that needs more space fails with StorageQuotaError, acknowledged rows stay, and writing works once space is freed`, async () => {
      const context = await harness.newContext()
      const db = { databaseName: `quota-idb-${writer}`, idbQuotaFaults: true, fallback: 'indexeddb' as const }
      const leader = await openTodosTab(harness, context, 'quota-idb-leader', db)
      expect(await leader.call('storage')).toBe('indexeddb')
      const tabs = [leader]
      if (writer === 'follower') {
        tabs.push(await openTodosTab(harness, context, 'quota-idb-follower', db))
        expect(await tabs[1]!.call('isLeader')).toBe(false)
      }
      const tab = tabs.at(-1)!
      expect((await tab.call('insert', [todo('a')])).ok).toBe(true)
      await leader.call('idbQuotaFull', true, tabs.length)
      const big = { id: 'big', text: 'x'.repeat(200_000) }

      await expectQuotaRefused(tab, big)
      // The leader answers again (it did not before: a read after the abort hung), from every tab.
      for (const each of tabs) expect(ids(await each.call('diskRows'))).toEqual(['a'])

      await leader.call('idbQuotaFull', false, tabs.length)
      expect((await tab.call('insert', [big])).ok).toBe(true)
      expect((await tab.call('insert', [todo('c')])).ok).toBe(true)
      expect(ids(await leader.call('diskRows'))).toEqual(['a', 'big', 'c'])
      await context.close()
    })
  }
})

describe('persistent storage', () => {
  it('is requested on open and reported as the browser answered', async () => {
    const context = await harness.newContext()
    const tab = await harness.openTab(context, 'persist')
    const opened = await tab.call('open', { databaseName: 'persist', persistentStorage: true })
    expect(opened.ok).toBe(true)
    const reported = opened.ok ? opened.persistentStorage : undefined
    const persisted = await tab.page.evaluate(() => navigator.storage.persisted())
    expect(reported).toBe(persisted ? 'granted' : 'denied')
    await context.close()
  })

  it('without the option nothing is asked: reported as not requested', async () => {
    const context = await harness.newContext()
    const plain = await harness.openTab(context, 'plain')
    const opened = await plain.call('open', { databaseName: 'persist-plain' })
    expect(opened.ok && opened.persistentStorage).toBe('not-requested')
    expect(await plain.page.evaluate(() => navigator.storage.persisted())).toBe(false)
    await context.close()
  })
})

/** Makes `page` act as a tab of an older PersistDB build that leads `db`: it holds the leader lock and
 * announces itself without a protocol version. */
async function actAsOldLeader(page: Page, db: string): Promise<void> {
  await page.evaluate(async (name) => {
    await new Promise<void>((held) => {
      void navigator.locks.request(`persistdb:${name}:leader`, () => {
        held()
        return new Promise(() => undefined)
      })
    })
    const channel = new BroadcastChannel(`persistdb:${name}`)
    const announce = () => channel.postMessage({ t: 'leader', term: 7, leaderId: 'old-build' })
    channel.onmessage = (event: MessageEvent<{ t: string }>) => {
      if (event.data.t === 'who') announce()
    }
    ;(globalThis as { keep?: unknown }).keep = channel
    announce()
  }, db)
}

/** Sends one read request the way a tab of `version` would, and returns the leader's answer. */
async function requestAs(page: Page, db: string, version: number | undefined, sql: string) {
  return page.evaluate(
    ([name, v, statement]) =>
      new Promise<{ ok: boolean; error?: { code?: string; message: string } }>((resolve) => {
        const client = `other-build-${Math.random()}`
        const replies = new BroadcastChannel(`persistdb:${name}:client:${client}`)
        replies.onmessage = (
          event: MessageEvent<{ ok: boolean; error?: { code?: string; message: string } }>,
        ) => {
          replies.close()
          resolve(event.data)
        }
        const request = { t: 'all', id: 1, client, sql: statement, params: [], ...(v === null ? {} : { v }) }
        new BroadcastChannel(`persistdb:${name}:inbox`).postMessage(request)
      }),
    [db, version ?? null, sql] as const,
  )
}

describe('tabs of different PersistDB builds on one database', () => {
  it('a tab whose leader runs an older build gets TabProtocolMismatchError, and sends it nothing', async () => {
    const context = await harness.newContext()
    const old = await harness.openTab(context, 'old-build')
    await actAsOldLeader(old.page, 'mixed-old-leader')
    const tab = await harness.openTab(context, 'new-build')
    expect((await tab.call('open', { databaseName: 'mixed-old-leader' })).ok).toBe(true)
    const opened = await tab.call('openCollection')
    expect(opened.ok).toBe(false)
    expect(opened.ok ? undefined : opened.error).toMatchObject({
      name: 'TabProtocolMismatchError',
      code: 'PERSISTDB_TAB_PROTOCOL_MISMATCH',
    })
    expect(opened.ok ? '' : opened.error.message).toMatch(/different PersistDB build.*Reload every tab/s)
    await context.close()
  })

  it('a leader refuses a request of another build with the mismatch error and runs nothing of it', async () => {
    const context = await harness.newContext()
    const leader = await openTodosTab(harness, context, 'leader', { databaseName: 'mixed-new-leader' })
    const other = await harness.openTab(context, 'other')
    const sql = `CREATE TABLE intruder (x)`
    const refused = await requestAs(other.page, 'mixed-new-leader', undefined, sql)
    expect(refused.ok).toBe(false)
    expect(refused.error?.code).toBe('PERSISTDB_TAB_PROTOCOL_MISMATCH')
    expect(refused.error?.message).toMatch(/tab protocol 1 or older; this tab speaks \d+/)
    const intruder = `SELECT name FROM sqlite_master WHERE name = 'intruder'`
    expect(await leader.call('sql', intruder)).toEqual([])
    // The same request with this build's version runs: the refusal was the version, nothing else.
    const version = await other.page.evaluate(() => (window as { pdbTabProtocol?: number }).pdbTabProtocol)
    const accepted = await requestAs(other.page, 'mixed-new-leader', version, sql)
    expect(accepted.ok).toBe(true)
    expect(await leader.call('sql', intruder)).toEqual([{ name: 'intruder' }])
    await context.close()
  })
})

/** Writes `bytes` as the OPFS file `name` (where the leader's VFS keeps database `name`); returns its SHA-256. */
async function putOpfsFile(page: Page, name: string, bytes: Buffer): Promise<string> {
  return page.evaluate(
    async ([file, base64]) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      const root = await navigator.storage.getDirectory()
      const handle = await root.getFileHandle(file, { create: true })
      const writable = await handle.createWritable()
      await writable.write(data)
      await writable.close()
      return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)))
        .map((b) => b.toString(16).padStart(2, '0'))
        .join('')
    },
    [name, bytes.toString('base64')] as const,
  )
}

async function opfsFileSha(page: Page, name: string): Promise<string> {
  return page.evaluate(async (file) => {
    const root = await navigator.storage.getDirectory()
    const data = await (await (await root.getFileHandle(file)).getFile()).arrayBuffer()
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)))
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('')
  }, name)
}

/** Another application's SQLite file (rollback journal), optionally with pages overwritten. */
function appDatabaseBytes(damaged: number[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'persistdb-browser-app-'))
  try {
    const file = join(dir, 'app.sqlite')
    const db = new Database(file)
    db.pragma('journal_mode = DELETE')
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)')
    const insert = db.prepare('INSERT INTO users (name) VALUES (?)')
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(`user ${i} ${'x'.repeat(100)}`)
    })()
    db.close()
    const bytes = readFileSync(file)
    for (const page of damaged) bytes.fill(0xab, (page - 1) * 4096, page * 4096)
    return bytes
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('files the leader must refuse, left unchanged', () => {
  for (const [what, bytes, code] of [
    ['not a SQLite file', Buffer.from('a config file, not a database\n'.repeat(500)), 'PERSISTDB_NOT_SQLITE'],
    ['a damaged SQLite file', appDatabaseBytes([3, 5, 7]), 'PERSISTDB_DAMAGED_DATABASE'],
  ] as const) {
    it(`${what}: ${code}, byte-identical afterwards`, async () => {
      const context = await harness.newContext()
      const tab = await harness.openTab(context, 'refuse')
      const name = `refuse-${code.toLowerCase()}`
      const before = await putOpfsFile(tab.page, name, bytes)
      expect((await tab.call('open', { databaseName: name })).ok).toBe(true)
      const opened = await tab.call('openCollection')
      expect(opened.ok).toBe(false)
      expect(opened.ok ? undefined : opened.error).toMatchObject({ code })
      await tab.call('close')
      expect(await opfsFileSha(tab.page, name)).toBe(before)
      await context.close()
    })
  }

  it('the same application file undamaged is adopted (the check refuses damage only)', async () => {
    const context = await harness.newContext()
    const tab = await harness.openTab(context, 'adopt')
    await putOpfsFile(tab.page, 'adopt-app', appDatabaseBytes([]))
    expect((await tab.call('open', { databaseName: 'adopt-app' })).ok).toBe(true)
    expect((await tab.call('openCollection')).ok).toBe(true)
    expect((await tab.call('insert', [todo('a')])).ok).toBe(true)
    expect(await tab.call('sql', 'SELECT count(*) AS n FROM users')).toEqual([{ n: 3000 }])
    await context.close()
  })
})
