/**
 * info and rows through the real `persistdb` command on a file written by the real Node runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from './support/files'
import { runCli } from './support/run-cli'
import { writeSampleDatabase } from './support/sample-db'

describe('persistdb info / rows on a file written by @persistdb/node', () => {
  const tmp = tempDir()
  const file = tmp.file('sample.sqlite')
  beforeAll(() => writeSampleDatabase(file))
  afterAll(() => tmp.cleanup())

  it('info lists format, collections with kind, schema version, rows, bytes and indexes, change log and writers', async () => {
    const text = await runCli(['info', file])
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(/storage format {2}1/)
    expect(text.stdout).toMatch(/prices +synced +1 +3 +\d+\.\d KiB +-\n/)
    expect(text.stdout).toMatch(/todos +local +3 +2 +\d+\.\d KiB +meta\.priority, lower\(title\)\n/)

    const json = await runCli(['info', file, '--json'])
    expect(json.status).toBe(0)
    const info = JSON.parse(json.stdout)
    expect(info.format).toBe(1)
    expect(info.collections.map((c: any) => [c.id, c.kind, c.schemaVersion, c.rows, c.indexes])).toEqual([
      ['prices', 'synced', 1, 3, []],
      ['todos', 'local', 3, 2, ['meta.priority', 'lower(title)']],
    ])
    for (const c of info.collections) expect(c.bytes).toBeGreaterThan(0)
    // Three commits (the synced snapshot, two inserts) by one persistence.
    expect(info.changeLog.entries).toBe(3)
    expect(info.changeLog.writers).toHaveLength(1)
    expect(info.changeLog.writers[0].entries).toBe(3)
  })

  it('rows shows values decoded exactly: Dates, bigints, bytes, Map, Set, undefined, -0, NaN', async () => {
    const out = await runCli(['rows', file, 'todos'])
    expect(out.status).toBe(0)
    const lines = out.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe(
      `'a'  { id: 'a', title: 'Write the CLI', due: 2026-12-03T09:50:00.000Z, views: 12345678901234567890n, ` +
        `thumb: Uint8Array(4) [ 0, 1, 254, 255 ], tags: Set(2) { 'cli', 'tools' }, extra: Map(1) { 'x' => 1 }, ` +
        `note: undefined, score: -0, meta: { priority: 1 } }`,
    )
    expect(lines[1]).toContain(`due: Invalid Date, views: -5n, thumb: Uint8Array(0) []`)
    expect(lines[1]).toContain(`note: 'with a "$pdb" look-alike: {"$pdb":"d"}', score: NaN`)
  })

  it('rows --json gives each type a $-tagged form; --meta adds row metadata; --limit stops early', async () => {
    const out = await runCli(['rows', file, 'todos', '--json', '--limit', '1'])
    expect(out.status).toBe(0)
    expect(
      out.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        key: 'a',
        value: {
          id: 'a',
          title: 'Write the CLI',
          due: { $date: '2026-12-03T09:50:00.000Z' },
          views: { $bigint: '12345678901234567890' },
          thumb: { $bytes: 'AAH+/w==' },
          tags: { $set: ['cli', 'tools'] },
          extra: { $map: [['x', 1]] },
          note: { $undefined: true },
          score: { $number: '-0' },
          meta: { priority: 1 },
        },
      },
    ])
    const prices = await runCli(['rows', file, 'prices', '--json', '--meta'])
    expect(
      prices.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(
      [1, 2, 10].map((id) => ({
        key: id,
        value: expect.objectContaining({ id }),
        meta: { owner: 'feed', at: { $date: '1970-01-01T00:00:00.000Z' } },
      })),
    )
  })

  it('an unknown collection or a file that is not PersistDB is a usage error (exit 2) that says what exists', async () => {
    const missing = await runCli(['rows', file, 'nope'])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('No collection "nope"')
    expect(missing.stderr).toContain('Collections: "prices", "todos"')
    const notDb = await runCli(['info', tmp.file('absent.sqlite')])
    expect(notDb.status).toBe(2)
    expect(notDb.stderr).toContain('PERSISTDB_FOREIGN_DATABASE')
    const badLimit = await runCli(['rows', file, 'todos', '--limit', '0'])
    expect(badLimit.status).toBe(2)
    expect(badLimit.stderr).toContain('expected a whole number >= 1')
  })
})
