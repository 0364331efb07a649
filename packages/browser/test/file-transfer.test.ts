/**
 * exportDatabase() / importDatabase() in real Chromium on OPFS, and the `persistdb` CLI reading a file
 * the browser exported. The export is taken while another tab keeps writing: it must hold exactly the
 * transactions committed before it (a prefix of that tab's sequential inserts), nothing half.
 */
import { writeFileSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, until, type Harness, type Tab } from './support/harness'
import { openTodosTab } from './support/tabs'
import { runCli } from '../../cli/test/support/run-cli'
import { tempDir } from '../../cli/test/support/files'

let harness: Harness
const tmp = tempDir('persistdb-browser-export-')
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(async () => {
  await harness?.close()
  tmp.cleanup()
})

const STREAM = 80
const streamIds = Array.from({ length: STREAM }, (_, i) => `s${String(i).padStart(3, '0')}`)

async function opfsEntries(tab: Tab): Promise<string[]> {
  return tab.page.evaluate(async () => {
    const names: string[] = []
    const root = await navigator.storage.getDirectory()
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name)
    return names.sort()
  })
}

async function exported(tab: Tab): Promise<Buffer> {
  const result = await tab.call('exportDatabase')
  if (!result.ok) throw new Error(`export failed: ${JSON.stringify(result.error)}`)
  return Buffer.from(result.base64, 'base64')
}

describe('exportDatabase / importDatabase', () => {
  it('an export taken while another tab writes is one consistent snapshot the CLI reads and verifies', async () => {
    const context = await harness.newContext()
    const writer = await openTodosTab(harness, context, 'writer', { databaseName: 'export' })
    const reader = await openTodosTab(harness, context, 'reader', { databaseName: 'export' })
    await writer.call('startStream', 's', STREAM)
    // Export twice while the stream runs (after its first rows are committed) and once after it.
    await until(async () => (await reader.call('rows')).length >= 5, 'the first streamed rows')
    const during = [await exported(reader), await exported(reader)]
    const stream = await writer.call('awaitStream', 's')
    expect(stream.error).toBeUndefined()
    const after = await exported(reader)

    const counts: number[] = []
    for (const [i, bytes] of [...during, after].entries()) {
      const file = tmp.file(`export-${i}.sqlite`)
      writeFileSync(file, bytes)
      expect(bytes.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000')
      const verify = await runCli(['verify', file])
      expect(verify).toMatchObject({ status: 0, stdout: `${file}: ok\n` })
      const rows = await runCli(['rows', file, 'todos', '--json', '--limit', '1000'])
      expect(rows.status).toBe(0)
      const keys =
        rows.stdout === ''
          ? []
          : rows.stdout
              .trimEnd()
              .split('\n')
              .map((l) => JSON.parse(l).key)
      // Sequential inserts: a consistent copy holds the first k of them, with no gap.
      expect(keys).toEqual(streamIds.slice(0, keys.length))
      counts.push(keys.length)
    }
    expect(counts[0]).toBeGreaterThanOrEqual(5)
    expect(counts.at(-1)).toBe(STREAM)
    console.log(`rows in the exports taken during and after the stream: ${counts.join(', ')}`)
    const info = await runCli(['info', tmp.file('export-2.sqlite'), '--json'])
    expect(JSON.parse(info.stdout).collections).toMatchObject([{ id: 'todos', kind: 'local', rows: STREAM }])
    // The temporary copies are gone from OPFS.
    expect((await opfsEntries(reader)).filter((name) => name.includes('.export-'))).toEqual([])
    await context.close()
  })

  it('importDatabase puts an exported file in place; refused while a tab has the database open, or for a non-SQLite file', async () => {
    const source = await harness.newContext()
    const a = await openTodosTab(harness, source, 'a', { databaseName: 'origin' })
    expect(
      await a.call('insert', [
        { id: 'x', text: 'from origin' },
        { id: 'y', text: 'also' },
      ]),
    ).toMatchObject({
      ok: true,
    })
    const bytes = (await exported(a)).toString('base64')
    await source.close()

    // Another profile (its own OPFS): import before the app opens the database, then open it.
    const target = await harness.newContext()
    const b = await harness.openTab(target, 'b')
    expect(await b.call('importDatabase', 'restored', bytes)).toEqual({ ok: true })
    await b.call('open', { databaseName: 'restored' })
    expect(await b.call('openCollection')).toMatchObject({ ok: true, size: 2 })
    expect(await b.call('rows')).toEqual([
      { id: 'x', text: 'from origin' },
      { id: 'y', text: 'also' },
    ])

    // Open in this tab now: refused, and the database is untouched.
    const busy = await b.call('importDatabase', 'restored', bytes)
    expect(busy).toMatchObject({ ok: false, error: { code: 'PERSISTDB_DATABASE_IN_USE' } })
    expect(await b.call('insert', [{ id: 'z', text: 'still writable' }])).toMatchObject({ ok: true })

    const c = await harness.openTab(target, 'c')
    const foreign = await c.call(
      'importDatabase',
      'other',
      Buffer.from('not a database at all').toString('base64'),
    )
    expect(foreign).toMatchObject({ ok: false, error: { code: 'PERSISTDB_FOREIGN_DATABASE' } })
    expect((await opfsEntries(c)).filter((name) => name.startsWith('other'))).toEqual([])
    await target.close()
  })

  it('a file written by the CLI (persistdb import) opens in the browser after importDatabase', async () => {
    // Export the browser's database with the CLI, import it into a new file with the CLI, bring it back.
    const context = await harness.newContext()
    const a = await openTodosTab(harness, context, 'a', { databaseName: 'roundtrip' })
    await a.call('insert', [{ id: 'r1', text: 'through the CLI' }])
    const file = tmp.file('roundtrip.sqlite')
    writeFileSync(file, await exported(a))
    const jsonl = await runCli(['export', file])
    const rebuilt = tmp.file('rebuilt.sqlite')
    expect((await runCli(['import', '-', rebuilt], { stdin: jsonl.stdout })).status).toBe(0)
    await context.close()

    const fresh = await harness.newContext()
    const b = await harness.openTab(fresh, 'b')
    expect(await b.call('importDatabase', 'back', readFileSync(rebuilt).toString('base64'))).toEqual({
      ok: true,
    })
    await b.call('open', { databaseName: 'back' })
    expect(await b.call('openCollection')).toMatchObject({ ok: true, size: 1 })
    expect(await b.call('rows')).toEqual([{ id: 'r1', text: 'through the CLI' }])
    await fresh.close()
  })
})
