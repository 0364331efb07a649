/**
 * export -> import -> export is exact: a property test over random rows (in process, through the same
 * functions the command runs), and the real command end to end, stdin included.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { createCollection } from '@tanstack/db'
import { createNodeSQLitePersistence, encodeValue, persistedCollectionOptions } from '@persistdb/node'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportFile, importFile, openReadOnly } from '../src'
import { tempDir } from './support/files'
import { runCli } from './support/run-cli'
import { writeSampleDatabase } from './support/sample-db'

const RUNS = Number(process.env.PERSISTDB_CLI_RUNS ?? 25)

const leaf = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom(undefined, null, true, false, -0, Number.NaN, Infinity),
)
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('$pdb', 'v', '__proto__')), tie('value'), {
      maxKeys: 3,
    }),
    fc.array(fc.tuple(leaf, tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(leaf, { maxLength: 3 }).map((items) => new Set(items)),
  ),
}))
const rows = fc.uniqueArray(
  fc.record({
    id: fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    data: value,
  }),
  { selector: (r) => (Object.is(r.id, -0) ? 0 : r.id), maxLength: 12 },
)

type Row = { id: string | number; data: unknown }

async function writeRows(path: string, items: readonly Row[]): Promise<void> {
  const persistence = createNodeSQLitePersistence({ path })
  const collection = createCollection(
    persistedCollectionOptions<Row, string | number>({
      id: 'items',
      getKey: (r) => r.id,
      persistence,
      schemaVersion: 7,
    }),
  )
  await collection.preload()
  if (items.length > 0) collection.insert([...items])
  await collection.cleanup()
  await persistence.close()
}

async function exportToText(path: string): Promise<string> {
  const file = openReadOnly(path)
  let text = ''
  try {
    await exportFile(file, (chunk) => {
      text += chunk
    })
  } finally {
    file.close()
  }
  return text
}

async function* linesOf(text: string): AsyncIterable<string> {
  yield* text.split('\n')
}

/** Stored value text per key, read straight from SQLite. */
function storedValues(path: string): Map<string | number, string> {
  const db = new Database(path, { readonly: true })
  const table = `persistdb_c${db.prepare(`SELECT id FROM persistdb_collections WHERE name = 'items'`).pluck().get()}_rows`
  const out = new Map(
    (
      db.prepare(`SELECT key, value FROM ${table}`).all() as Array<{ key: string | number; value: string }>
    ).map((r) => [r.key, r.value]),
  )
  db.close()
  return out
}

describe('export -> import -> export', () => {
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())

  it('property: random rows survive byte for byte, and the imported file stores exactly what the app wrote', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(rows, async (items) => {
        const source = tmp.file(`p${++n}.sqlite`)
        const copy = tmp.file(`p${n}-copy.sqlite`)
        await writeRows(source, items)
        const first = await exportToText(source)
        await importFile(linesOf(first), copy)
        expect(await exportToText(copy)).toBe(first)
        const stored = storedValues(copy)
        expect(stored.size).toBe(items.length)
        for (const item of items)
          expect(stored.get(Object.is(item.id, -0) ? 0 : item.id)).toBe(encodeValue(item))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('persistdb export | persistdb import - (the real command)', () => {
  const tmp = tempDir()
  const sample = tmp.file('sample.sqlite')
  beforeAll(() => writeSampleDatabase(sample))
  afterAll(() => tmp.cleanup())

  it('round trip through stdout and stdin: identical output, and the copy is a healthy PersistDB file', async () => {
    const first = await runCli(['export', sample])
    expect(first).toMatchObject({ status: 0, stderr: '' })
    const copy = tmp.file('copy.sqlite')
    const imported = await runCli(['import', '-', copy], { stdin: first.stdout })
    expect(imported.status).toBe(0)
    expect(imported.stderr).toBe(`imported 2 collections, 5 rows into ${copy}\n`)
    const again = await runCli(['export', copy])
    expect(again.stdout).toBe(first.stdout)
    // Indexes and metadata came along.
    expect(first.stdout).toContain(
      '"indexes":[{"fn":"field","path":["meta","priority"]},{"fn":"lower","path":["title"]}]',
    )
    expect(first.stdout).toContain('{"type":"meta","key":"cursor","value":{"$pdb":"n","v":"42"}}')
    expect(await runCli(['verify', copy])).toMatchObject({ status: 0, stdout: `${copy}: ok\n` })
  })

  it('--collection exports one collection', async () => {
    const out = await runCli(['export', sample, '--collection', 'prices'])
    const lines = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.filter((l) => l.type === 'collection').map((l) => l.id)).toEqual(['prices'])
    expect(lines.at(-1)).toEqual({ type: 'end', collections: 1, rows: 3 })
  })

  it('a cut-short or damaged export is refused with a typed error and leaves no file; an existing target is never touched', async () => {
    const full = (await runCli(['export', sample])).stdout
    const lines = full.trimEnd().split('\n')
    const cut = tmp.file('cut.jsonl')
    writeFileSync(cut, lines.slice(0, -2).join('\n') + '\n')
    const target = tmp.file('never.sqlite')
    const refused = await runCli(['import', cut, target])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain(
      'PERSISTDB_INVALID_EXPORT: The export has no end line: it was cut short.',
    )
    expect(existsSync(target)).toBe(false)

    const badTag = tmp.file('bad.jsonl')
    writeFileSync(badTag, full.replace('{"$pdb":"n","v":"1999"}', '{"$pdb":"q","v":"1999"}'))
    const rejected = await runCli(['import', badTag, target])
    expect(rejected.status).toBe(2)
    expect(rejected.stderr).toMatch(
      /PERSISTDB_INVALID_EXPORT: Line 4 of the export has a value PersistDB cannot decode/,
    )
    expect(existsSync(target)).toBe(false)

    const before = readFileSync(sample)
    const exists = await runCli(['import', cut, sample])
    expect(exists.status).toBe(2)
    expect(exists.stderr).toContain('exists; import writes a new file')
    expect(readFileSync(sample).equals(before)).toBe(true)
  })
})
