/**
 * A database written by a browser build from before the shared remote
 * protocol keeps its fence tables under the old names
 * (`persistdb_browser_meta` / `_applied`). This build opens it as its own:
 * rows are there, writes work, the term continues from the old table and is
 * written back to it (an older build's leader stays fenced), and the old
 * tables are left in place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './support/harness'
import { converge, openTodosTab, todo } from './support/tabs'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(() => harness?.close())

describe('a file of a build before the shared remote protocol', () => {
  it('opens with its rows, continues its term in both tables and takes writes', async () => {
    const context = await harness.newContext()
    const databaseName = 'legacy-fence-tables'
    // Write a file as an older build left it: PersistDB rows, fence tables under the old names, term 5.
    const old = await openTodosTab(harness, context, 'old', { databaseName })
    expect((await old.call('insert', [todo('a'), todo('b')])).ok).toBe(true)
    const recorded = await old.call('sql', 'SELECT count(*) AS n FROM persistdb_remote_applied')
    expect(recorded).not.toEqual([{ n: 0 }])
    for (const sql of [
      'ALTER TABLE persistdb_remote_meta RENAME TO persistdb_browser_meta',
      'ALTER TABLE persistdb_remote_applied RENAME TO persistdb_browser_applied',
      `UPDATE persistdb_browser_meta SET value = 5 WHERE key = 'term'`,
    ])
      await old.call('sql', sql)
    await old.call('close')
    await old.page.close()

    const tab = await openTodosTab(harness, context, 'new', { databaseName })
    await converge([tab], ['a', 'b'])
    expect(await tab.call('leaderTerm')).toBe(6)
    expect((await tab.call('insert', [todo('c')])).ok).toBe(true)
    await converge([tab], ['a', 'b', 'c'])
    const term = (table: string) => tab.call('sql', `SELECT value FROM ${table} WHERE key = 'term'`)
    expect(await term('persistdb_remote_meta')).toEqual([{ value: 6 }])
    expect(await term('persistdb_browser_meta')).toEqual([{ value: 6 }])
    // The old applied ids stay where they were; new commits are recorded in the shared table.
    expect(await tab.call('sql', 'SELECT count(*) AS n FROM persistdb_browser_applied')).toEqual(recorded)
    expect(await tab.call('sql', 'SELECT count(*) AS n FROM persistdb_remote_applied')).not.toEqual([
      { n: 0 },
    ])
    await context.close()
  })
})
