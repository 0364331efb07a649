/**
 * Read-only verbs never take the write lock and work while another connection writes; write verbs refuse
 * while another connection has the file open, unless --force.
 */
import { copyFileSync, readFileSync } from 'node:fs'
import { createCollection } from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '@persistdb/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { holdWriteLock, tempDir } from './support/files'
import { runCli } from './support/run-cli'
import { writeSampleDatabase } from './support/sample-db'

describe('read-only verbs beside a writer', () => {
  const tmp = tempDir()
  const file = tmp.file('sample.sqlite')
  beforeAll(() => writeSampleDatabase(file))
  afterAll(() => tmp.cleanup())

  it('info, rows, verify and export run while another connection holds an open write transaction, and leave it free to commit', async () => {
    const holder = holdWriteLock(file)
    try {
      const results = await Promise.all([
        runCli(['info', file]),
        runCli(['rows', file, 'todos']),
        runCli(['verify', file]),
        runCli(['export', file]),
      ])
      for (const r of results) expect(r).toMatchObject({ status: 0, stderr: '' })
      // They read the last committed state: the uncommitted row is not there.
      expect(results[1]!.stdout).not.toContain('uncommitted')
      expect(results[3]!.stdout).toContain('"rows":5}')
    } finally {
      // The writer was never blocked: its commit goes through at once.
      holder.commit()
    }
    const after = await runCli(['rows', file, 'todos'])
    expect(after.stdout).toContain(`'uncommitted'  { id: 'uncommitted' }`)
  })
})

describe('write verbs refuse while another connection has the file open', () => {
  const tmp = tempDir()
  const sample = tmp.file('sample.sqlite')
  beforeAll(() => writeSampleDatabase(sample))
  afterAll(() => tmp.cleanup())

  it('compact with an app holding the file open: refused (PERSISTDB_DATABASE_IN_USE), file unchanged; --force runs', async () => {
    const file = tmp.file('open-app.sqlite')
    copyFileSync(sample, file)
    const app = createNodeSQLitePersistence({ path: file })
    const todos = createCollection(
      persistedCollectionOptions<{ id: string; title: string }, string>({
        id: 'notes',
        getKey: (t) => t.id,
        persistence: app,
        schemaVersion: 1,
      }),
    )
    await todos.preload()
    todos.insert({ id: 'n1', title: 'written by the app' })
    const before = readFileSync(file)
    const refused = await runCli(['compact', file])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('PERSISTDB_DATABASE_IN_USE: Another connection has')
    expect(refused.stderr).toContain('pass --force')
    expect(readFileSync(file).equals(before)).toBe(true)

    const forced = await runCli(['compact', file, '--force'])
    expect(forced.status).toBe(0)
    expect(forced.stdout).toMatch(/^change log: 4 -> 4 entries\nsize: /)
    // The app keeps working on the compacted file.
    todos.insert({ id: 'n2', title: 'after compact' })
    await todos.cleanup()
    await app.close()
    const rows = await runCli(['rows', file, 'notes', '--json'])
    expect(
      rows.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).key),
    ).toEqual(['n1', 'n2'])
  })

  it('compact while another connection holds the write lock: refused at once, even though it would only wait', async () => {
    const file = tmp.file('locked.sqlite')
    copyFileSync(sample, file)
    const holder = holdWriteLock(file)
    try {
      const refused = await runCli(['compact', file])
      expect(refused.status).toBe(2)
      expect(refused.stderr).toContain('PERSISTDB_DATABASE_IN_USE')
    } finally {
      holder.release()
    }
    // Nobody else now: the same command runs.
    expect((await runCli(['compact', file])).status).toBe(0)
  })

  it('compact prunes the change log to its bounds and vacuums; the data is unchanged', async () => {
    const file = tmp.file('log.sqlite')
    copyFileSync(sample, file)
    const app = createNodeSQLitePersistence({ path: file, changeLog: { maxEntries: 0, maxAgeMs: 0 } })
    const notes = createCollection(
      persistedCollectionOptions<{ id: number; text: string }, number>({
        id: 'notes',
        getKey: (t) => t.id,
        persistence: app,
        schemaVersion: 1,
      }),
    )
    await notes.preload()
    for (let i = 0; i < 200; i++) notes.insert({ id: i, text: 'x'.repeat(500) })
    for (let i = 0; i < 200; i += 2) notes.delete(i)
    await notes.cleanup()
    await app.close()
    const exported = (await runCli(['export', file])).stdout

    const out = await runCli(['compact', file, '--max-entries', '10'])
    expect(out.status).toBe(0)
    const [log, size] = out.stdout.trimEnd().split('\n')
    expect(log).toBe('change log: 303 -> 10 entries')
    const [, before, after] = /\((\d+) -> (\d+) bytes\)$/.exec(size!)!.map(Number)
    expect(after).toBeLessThan(before!)
    expect((await runCli(['export', file])).stdout).toBe(exported)
    expect((await runCli(['verify', file])).status).toBe(0)
  })
})
