/**
 * Issue 14: a healthy database this process cannot write is read-only, never
 * "damaged". Permissions do not bind root (tests run as root here and in CI),
 * so each case runs PersistDB in a child process as `nobody`; run as any other
 * user, the child simply runs as that user. Reads are served where SQLite can
 * read; every write fails with ReadOnlyDatabaseError and the file is unchanged.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnTs } from './fixtures/spawn'
import { closeHandle, fileSha, openTodos, tempDir } from './helpers'

const tmp = tempDir('persistdb-read-only-')
afterAll(() => {
  chmodRecursive(tmp.dir)
  tmp.cleanup()
})

const isRoot = process.getuid?.() === 0
/** nobody:nogroup on Debian; only root can switch users. */
const NOBODY = { uid: 65534, gid: 65534 }

interface Outcome {
  code: string
  name: string
  message: string
  canRead?: boolean
}
interface Report {
  uid: number
  open?: Outcome
  preload?: Outcome
  rows?: Array<{ id: string; title: string }>
  insert?: Outcome | 'acknowledged'
  afterInsert?: string[]
  status?: string
  create?: Outcome | 'created'
}

/** One child (tsx starts slowly for a user without its cache) tries every case's file in turn. */
async function runAsUnprivileged(files: readonly string[]): Promise<Map<string, Report>> {
  const child = spawnTs('read-only-child.ts', files, isRoot ? NOBODY : undefined)
  const exit = await child.exited
  expect(exit.code, child.stderr()).toBe(0)
  const reports = child.lines.map((line) => JSON.parse(line) as Report & { file: string })
  // The child really ran without root's permission bypass.
  for (const report of reports) expect(report.uid).not.toBe(0)
  return new Map(reports.map((report) => [report.file, report]))
}

/** A PersistDB file with rows a, b in collection "todos", closed cleanly (WAL mode, no -wal left). */
async function persistdbFile(dir: string, journal: 'wal' | 'delete'): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'app.sqlite')
  const h = openTodos(file)
  await h.collection.preload()
  h.collection.insert([
    { id: 'a', title: 'first' },
    { id: 'b', title: 'second' },
  ])
  await closeHandle(h)
  if (journal === 'delete') {
    const db = new Database(file)
    db.pragma('journal_mode = DELETE')
    db.close()
  }
  return file
}

function chmodRecursive(dir: string): void {
  // Let the cleanup (and root) through again.
  chmodSync(dir, 0o755)
  for (const sub of ['ro-wal', 'ro-delete', 'rw-dir', 'new']) {
    const path = join(dir, sub)
    if (existsSync(path)) chmodSync(path, 0o755)
  }
}

const ROWS = [
  { id: 'a', title: 'first' },
  { id: 'b', title: 'second' },
]

interface Case {
  file: string
  before?: string
  report?: Report
}
const cases = {
  walInReadOnlyDir: { file: join(tmp.dir, 'ro-wal', 'app.sqlite') } as Case,
  rollbackInReadOnlyDir: { file: join(tmp.dir, 'ro-delete', 'app.sqlite') } as Case,
  readOnlyWalInWritableDir: { file: join(tmp.dir, 'rw-dir', 'app.sqlite') } as Case,
  newFileInReadOnlyDir: { file: join(tmp.dir, 'new', 'app.sqlite') } as Case,
  writable: { file: join(tmp.dir, 'writable', 'app.sqlite') } as Case,
}

/** Makes a case's file (rows a, b) and sets the permissions, remembering its bytes. */
async function prepare(c: Case, journal: 'wal' | 'delete' | 'none', fileMode: number, dirMode: number) {
  const dir = dirname(c.file)
  if (journal === 'none') mkdirSync(dir)
  else {
    await persistdbFile(dir, journal)
    chmodSync(c.file, fileMode)
    c.before = fileSha(c.file)
  }
  chmodSync(dir, dirMode)
}

beforeAll(async () => {
  // The unprivileged child must reach the files.
  chmodSync(tmp.dir, 0o755)
  await prepare(cases.walInReadOnlyDir, 'wal', 0o444, 0o555)
  await prepare(cases.rollbackInReadOnlyDir, 'delete', 0o444, 0o555)
  await prepare(cases.readOnlyWalInWritableDir, 'wal', 0o444, 0o777)
  await prepare(cases.newFileInReadOnlyDir, 'none', 0, 0o555)
  await prepare(cases.writable, 'delete', 0o666, 0o777)
  const reports = await runAsUnprivileged(Object.values(cases).map((c) => c.file))
  for (const c of Object.values(cases)) c.report = reports.get(c.file)
}, 120_000)

describe('read-only files and directories (as an unprivileged user)', () => {
  it('a 0444 PersistDB file in a 0555 directory (WAL): ReadOnlyDatabaseError saying it is healthy, never "damaged"; unchanged', () => {
    const { file, before, report } = cases.walInReadOnlyDir as Required<Case>
    expect(report.open).toMatchObject({
      code: 'PERSISTDB_READ_ONLY',
      name: 'ReadOnlyDatabaseError',
      canRead: false,
    })
    expect(report.open!.message).toMatch(/healthy and was not changed.*directory writable/s)
    expect(report.open!.message).not.toMatch(/damaged|not a SQLite/)
    expect(fileSha(file)).toBe(before)
    expect(existsSync(`${file}-wal`)).toBe(false)
  })

  it('a 0444 file in a 0555 directory (rollback journal): rows are read, writes fail with ReadOnlyDatabaseError, nothing changes', () => {
    const { file, before, report } = cases.rollbackInReadOnlyDir as Required<Case>
    expect(report.open).toBeUndefined()
    expect(report.rows).toEqual(ROWS)
    expect(report.insert).toMatchObject({ code: 'PERSISTDB_READ_ONLY', canRead: true })
    expect((report.insert as Outcome).message).toMatch(/healthy and was not changed; stored rows can be read/)
    // The refused write is not in memory either, and the collection stays usable for reads.
    expect(report.afterInsert).toEqual(['a', 'b'])
    expect(report.status).toBe('ready')
    // Creating a collection needs a write: a typed error, not a raw SqliteError.
    expect(report.create).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })
    expect(fileSha(file)).toBe(before)
  })

  it('a 0444 WAL file in a writable directory: rows are read, writes fail with ReadOnlyDatabaseError, file bytes unchanged', () => {
    const { file, before, report } = cases.readOnlyWalInWritableDir as Required<Case>
    expect(report.open).toBeUndefined()
    expect(report.rows).toEqual(ROWS)
    expect(report.insert).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })
    expect(report.afterInsert).toEqual(['a', 'b'])
    expect(report.create).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })
    expect(fileSha(file)).toBe(before)
    // Healthy afterwards, as a user who may write sees it.
    const db = new Database(file, { readonly: true })
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
    db.close()
  })

  it('a new file in a 0555 directory: ReadOnlyDatabaseError (cannot create), nothing created', () => {
    const { file, report } = cases.newFileInReadOnlyDir as Required<Case>
    expect(report.open).toMatchObject({ code: 'PERSISTDB_READ_ONLY', canRead: false })
    expect(report.open!.message).toMatch(/cannot be created: its directory is read-only/)
    expect(existsSync(file)).toBe(false)
  })

  it('the same kind of file opens and writes for a user who may write (the refusals above come from permissions)', () => {
    const { report } = cases.writable as Required<Case>
    expect(report.rows).toEqual(ROWS)
    expect(report.insert).toBe('acknowledged')
    expect(report.create).toBe('created')
  })
})
