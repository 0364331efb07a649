/**
 * persistdb verify on healthy and damaged files: raw pages overwritten, values that no longer decode, an
 * index whose SQL was changed, a broken change-log entry, a destroyed file header.
 */
import { openSync, writeSync, closeSync, copyFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir, writeBigDatabase } from './support/files'
import { runCli } from './support/run-cli'
import { writeSampleDatabase } from './support/sample-db'

function overwritePages(path: string, pages: readonly number[], pageSize: number): void {
  const fd = openSync(path, 'r+')
  try {
    for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, (page - 1) * pageSize)
  } finally {
    closeSync(fd)
  }
}

function tableOf(db: Database.Database, name: string): string {
  return `persistdb_c${db.prepare(`SELECT id FROM persistdb_collections WHERE name = ?`).pluck().get(name)}_rows`
}

describe('persistdb verify', () => {
  const tmp = tempDir()
  const sample = tmp.file('sample.sqlite')
  const big = tmp.file('big.sqlite')
  beforeAll(async () => {
    await writeSampleDatabase(sample)
    await writeBigDatabase(big, 5000)
  })
  afterAll(() => tmp.cleanup())

  it('a healthy file: exit 0 and "ok"', async () => {
    for (const file of [sample, big]) {
      const out = await runCli(['verify', file])
      expect(out).toMatchObject({ status: 0, stderr: '' })
      expect(out.stdout).toBe(`${file}: ok\n`)
    }
  })

  it('pages of a rows table overwritten on disk: exit 1, SQLite integrity problems listed', async () => {
    const file = tmp.file('pages.sqlite')
    copyFileSync(big, file)
    const db = new Database(file, { readonly: true })
    const pageSize = db.pragma('page_size', { simple: true }) as number
    const table = tableOf(db, 'big')
    const leaves = db
      .prepare(
        `SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 3 OFFSET 5`,
      )
      .pluck()
      .all(table) as number[]
    db.close()
    expect(leaves).toHaveLength(3)
    overwritePages(file, leaves, pageSize)
    const out = await runCli(['verify', file])
    expect(out.status).toBe(1)
    const lines = out.stderr.trimEnd().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^${file}: \\d+ problems$`))
    expect(lines.slice(1).every((l) => l.startsWith('  - '))).toBe(true)
    expect(out.stderr).toContain(
      `- SQLite integrity: table ${table} is damaged: database disk image is malformed`,
    )
    expect(out.stderr).toContain(`- collection "big": could not be read: database disk image is malformed`)
    // The tables that were not hit are checked and pass.
    expect(out.stderr).not.toContain('persistdb_changes')
  })

  it('values and metadata that no longer decode, an index whose SQL changed, a broken change-log entry', async () => {
    const file = tmp.file('logical.sqlite')
    copyFileSync(sample, file)
    const db = new Database(file)
    const todos = tableOf(db, 'todos')
    const prices = tableOf(db, 'prices')
    db.prepare(`UPDATE ${todos} SET value = '{"id":"a","due":{"$pdb":"zz","v":1}}' WHERE key = 'a'`).run()
    // Not JSON at all (in a table without expression indexes, which would refuse it).
    db.prepare(`UPDATE ${prices} SET value = 'not json' WHERE key = 1`).run()
    db.prepare(`UPDATE ${prices} SET meta = '{"$pdb":"d","v":"x"}' WHERE key = 2`).run()
    const index = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name LIMIT 1`)
      .pluck()
      .get(todos) as string
    db.exec(`DROP INDEX "${index}"`)
    db.exec(
      `CREATE INDEX "${index}" ON "${todos}" (json_extract(value, '$."title"')) WHERE value IS NOT NULL`,
    )
    db.prepare(`UPDATE persistdb_changes SET keys = '{oops' WHERE seq = 2`).run()
    db.close()

    const out = await runCli(['verify', file])
    expect(out.status).toBe(1)
    expect(out.stderr).toContain(`${file}: 5 problems`)
    expect(out.stderr).toContain(
      `- collection "todos": row 'a': value does not decode: Stored value has an unknown or malformed $pdb tag "zz"`,
    )
    expect(out.stderr).toContain(`- collection "prices": row 1: value does not decode: `)
    expect(out.stderr).toContain(`- collection "prices": row 2: metadata does not decode: `)
    expect(out.stderr).toContain(
      `- registry: index ${index} of "todos" is not on a field expression PersistDB creates`,
    )
    expect(out.stderr).toContain(`- change log: entry 2: changed keys are not a list of keys`)

    // export refuses the damaged file with a typed error instead of writing a broken export.
    const exported = await runCli(['export', file])
    expect(exported.status).toBe(2)
    expect(exported.stderr).toContain(
      'PERSISTDB_STORAGE_FORMAT: the value of row 1 of "prices" is not JSON (',
    )
  })

  it('the file header destroyed: exit 1 and "cannot be read"', async () => {
    const file = tmp.file('header.sqlite')
    copyFileSync(sample, file)
    overwritePages(file, [1], 4096)
    const out = await runCli(['verify', file])
    expect(out.status).toBe(1)
    expect(out.stderr).toContain(`${file}: 1 problem\n  - cannot be read as a PersistDB file: `)
  })
})
