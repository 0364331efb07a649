/**
 * Open-time faults every runtime must answer alike (issue 14): each way
 * opening a file can fail gets its own typed error, and the file is left
 * exactly as it was. Real files, real SQLite; read-only files run in a child
 * process as an unprivileged user (`nobody` when the tests run as root).
 * Runtimes whose errors surface at open (Node) or at the first statement
 * (React Native, Expo) are handled alike: the error is the one `open` throws
 * or the one `ready()` rejects with.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection } from '@tanstack/db'
import {
  ConnectionClosedError,
  DamagedDatabaseError,
  DatabaseBusyError,
  ForeignDatabaseError,
  MissingDirectoryError,
  NotSQLiteFileError,
  PersistenceError,
  persistedCollectionOptions,
  StorageFormatError,
  type MaybePromise,
  type SQLitePersistence,
} from '../../src'
import { spawnTs } from '../../../node/test/fixtures/spawn'
import {
  fileSha,
  keepOnlyCoreTables,
  makeAppDatabase,
  makeForeignMarkerDatabase,
  markNewerFormat,
  overwriteHeader,
  sideFiles,
} from '../support/fault-files'
import type { ProbeOutcome, ProbeReport } from '../support/read-only-probe'

export interface OpenFaultTarget {
  /** A persistence on the database file at `file` (created when missing). */
  open(file: string, options?: { busyTimeoutMs?: number }): MaybePromise<SQLitePersistence>
  /** A persistence over a connection to `file` that the app closed before handing it over. */
  openClosed(file: string): MaybePromise<SQLitePersistence>
  /** What the engine does with a path whose directory does not exist. */
  readonly missingDirectory: 'created' | 'refused'
  /**
   * The child process for read-only files, relative to packages/node/test/fixtures (spawnTs):
   * `<script> <file>...`, printing one ProbeReport line per file (support/read-only-probe.ts).
   */
  readonly readOnlyChild: string
  /** Arguments the child takes before the files (e.g. which engine build to load). */
  readonly readOnlyChildArgs?: readonly string[]
  /** A directory for this suite's files (removed by the caller). */
  readonly dir: string
}

const isRoot = process.getuid?.() === 0
/** nobody:nogroup on Debian; only root can switch users. */
const NOBODY = { uid: 65534, gid: 65534 }

let suites = 0

export function describeOpenFaults(name: string, target: OpenFaultTarget): void {
  let n = 0
  const dir = join(target.dir, `suite-${++suites}`)
  mkdirSync(dir, { recursive: true })
  const fresh = () => join(dir, `fault-${++n}.sqlite`)

  /** The error of class `type` opening ends in (fails the test when it opens). */
  const openError = async (
    type: new (...args: never[]) => PersistenceError,
    open: () => MaybePromise<SQLitePersistence>,
  ): Promise<PersistenceError> => {
    let persistence: SQLitePersistence | undefined
    try {
      persistence = await open()
      await persistence.ready()
    } catch (error) {
      await Promise.resolve(persistence?.close()).catch(() => undefined)
      expect(error).toBeInstanceOf(type)
      return error as PersistenceError
    }
    await persistence.close()
    throw new Error('the persistence opened')
  }

  const todos = (persistence: SQLitePersistence) =>
    createCollection(
      persistedCollectionOptions<{ id: string; title: string }, string>({
        id: 'todos',
        getKey: (t) => t.id,
        persistence,
      }),
    )

  /** A PersistDB file with todos a, b, written by this runtime and closed. */
  const persistdbFile = async (file: string, journal: 'wal' | 'delete') => {
    const persistence = await target.open(file)
    const collection = todos(persistence)
    await collection.preload()
    await collection.insert([
      { id: 'a', title: 'first' },
      { id: 'b', title: 'second' },
    ]).isPersisted.promise
    await collection.cleanup()
    await persistence.close()
    const db = new Database(file)
    // Closed cleanly, so no -wal is left either way; 'delete' switches the file to a rollback journal.
    db.pragma(`journal_mode = ${journal === 'wal' ? 'WAL' : 'DELETE'}`)
    db.close()
  }

  describe(`open-time faults: ${name}`, () => {
    it('a damaged SQLite file of another application: DamagedDatabaseError, byte-identical, no journal files', async () => {
      const file = fresh()
      makeAppDatabase(file, { damaged: [3, 5, 7] })
      // The damage hides from a plain read of the schema: only an integrity check finds it.
      const plainRead = new Database(file, { readonly: true })
      expect(plainRead.prepare(`SELECT name FROM sqlite_master`).all()).toEqual([{ name: 'users' }])
      plainRead.close()
      const before = fileSha(file)
      const error = await openError(DamagedDatabaseError, () => target.open(file))
      expect(error.code).toBe('PERSISTDB_DAMAGED_DATABASE')
      expect(error.message).toMatch(/damaged SQLite database.*changed nothing.*new file/s)
      expect(fileSha(file)).toBe(before)
      expect(sideFiles(file)).toEqual([])
    })

    it('the same application database undamaged is adopted (the check refuses damage, not foreign tables)', async () => {
      const file = fresh()
      makeAppDatabase(file, { rows: 200 })
      const persistence = await target.open(file)
      const collection = todos(persistence)
      await collection.preload()
      await collection.insert({ id: 'a', title: 'beside the app' }).isPersisted.promise
      await collection.cleanup()
      await persistence.close()
      const db = new Database(file, { readonly: true })
      expect(db.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 200 })
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
      db.close()
    })

    it('a file whose first page is overwritten: NotSQLiteFileError (never "damaged"), unchanged', async () => {
      const file = fresh()
      makeAppDatabase(file, { rows: 200 })
      overwriteHeader(file)
      const before = fileSha(file)
      const error = await openError(NotSQLiteFileError, () => target.open(file))
      expect(error.code).toBe('PERSISTDB_NOT_SQLITE')
      expect(error.message).not.toMatch(/damaged/)
      expect(fileSha(file)).toBe(before)
      expect(sideFiles(file)).toEqual([])
    })

    it('a persistdb_meta PersistDB did not write: ForeignDatabaseError, journal mode unchanged', async () => {
      const file = fresh()
      makeForeignMarkerDatabase(file)
      const before = fileSha(file)
      const error = await openError(ForeignDatabaseError, () => target.open(file))
      expect(error.code).toBe('PERSISTDB_FOREIGN_DATABASE')
      expect(fileSha(file)).toBe(before)
    })

    it('a file of a newer PersistDB format: StorageFormatError saying to upgrade, unchanged', async () => {
      const file = fresh()
      await persistdbFile(file, 'delete')
      markNewerFormat(file)
      const before = fileSha(file)
      const error = await openError(StorageFormatError, () => target.open(file))
      expect(error.code).toBe('PERSISTDB_STORAGE_FORMAT')
      expect(error.message).toMatch(/Upgrade/)
      expect(fileSha(file)).toBe(before)
    })

    it('a path whose directory does not exist: refused with MissingDirectoryError, or created as the engine documents', async () => {
      const directory = join(dir, `no-${++n}`, 'such', 'dir')
      const file = join(directory, 'db.sqlite')
      if (target.missingDirectory === 'refused') {
        const error = await openError(MissingDirectoryError, () => target.open(file))
        expect(error.code).toBe('PERSISTDB_MISSING_DIRECTORY')
        expect(error.message).toContain(directory)
        expect(existsSync(dirname(dirname(directory)))).toBe(false)
        return
      }
      const persistence = await target.open(file)
      await persistence.ready()
      await persistence.close()
      expect(existsSync(file)).toBe(true)
    })

    it('a connection the app closed: ConnectionClosedError (not "damaged"), file untouched', async () => {
      const file = fresh()
      makeAppDatabase(file, { rows: 10 })
      const before = fileSha(file)
      const error = await openError(ConnectionClosedError, () => target.openClosed(file))
      expect(error.code).toBe('PERSISTDB_CONNECTION_CLOSED')
      expect(error.message).not.toMatch(/damaged/)
      expect(fileSha(file)).toBe(before)
    })

    it('a file another connection holds exclusively: DatabaseBusyError; it opens once the lock is gone', async () => {
      const file = fresh()
      makeAppDatabase(file, { rows: 10 })
      const other = new Database(file)
      other.exec('BEGIN EXCLUSIVE')
      other.exec(`INSERT INTO users (name) VALUES ('uncommitted')`)
      try {
        const error = await openError(DatabaseBusyError, () => target.open(file, { busyTimeoutMs: 50 }))
        expect(error.code).toBe('PERSISTDB_BUSY')
        expect(error.message).toMatch(/locked by another connection \(waited 50 ms\).*busyTimeoutMs/s)
      } finally {
        other.exec('ROLLBACK')
        other.close()
      }
      const persistence = await target.open(file)
      const collection = todos(persistence)
      await collection.preload()
      await collection.insert({ id: 'a', title: 'after the lock' }).isPersisted.promise
      await collection.cleanup()
      await persistence.close()
      const reopened = await target.open(file)
      const again = todos(reopened)
      await again.preload()
      expect(again.toArray.map(({ id, title }) => ({ id, title }))).toEqual([
        { id: 'a', title: 'after the lock' },
      ])
      await again.cleanup()
      await reopened.close()
    })

    describe('read-only files and directories (as an unprivileged user)', () => {
      const root = join(dir, 'read-only')
      const cases = {
        walInReadOnlyDir: join(root, 'ro-wal', 'app.sqlite'),
        rollbackInReadOnlyDir: join(root, 'ro-delete', 'app.sqlite'),
        readOnlyWalInWritableDir: join(root, 'rw-dir', 'app.sqlite'),
        newFileInReadOnlyDir: join(root, 'new', 'app.sqlite'),
        withoutRuntimeTables: join(root, 'ro-plain', 'app.sqlite'),
        writable: join(root, 'writable', 'app.sqlite'),
      }
      const before = new Map<string, string>()
      const reports = new Map<string, ProbeReport>()
      const prepare = async (
        file: string,
        journal: 'wal' | 'delete' | 'none',
        fileMode: number,
        dirMode: number,
        then?: (file: string) => void,
      ) => {
        mkdirSync(dirname(file), { recursive: true })
        if (journal !== 'none') {
          await persistdbFile(file, journal)
          then?.(file)
          chmodSync(file, fileMode)
          before.set(file, fileSha(file))
        }
        chmodSync(dirname(file), dirMode)
      }
      beforeAll(async () => {
        mkdirSync(root, { recursive: true })
        chmodSync(target.dir, 0o755)
        chmodSync(dir, 0o755)
        chmodSync(root, 0o755)
        await prepare(cases.walInReadOnlyDir, 'wal', 0o444, 0o555)
        await prepare(cases.rollbackInReadOnlyDir, 'delete', 0o444, 0o555)
        await prepare(cases.readOnlyWalInWritableDir, 'wal', 0o444, 0o777)
        await prepare(cases.newFileInReadOnlyDir, 'none', 0, 0o555)
        await prepare(cases.writable, 'delete', 0o666, 0o777)
        // Only core's tables: a file another runtime wrote, or made read-only before this runtime ever
        // wrote to it (React Native's driver keeps a table of its own to take the write lock on).
        await prepare(cases.withoutRuntimeTables, 'delete', 0o444, 0o555, keepOnlyCoreTables)
        const child = spawnTs(
          target.readOnlyChild,
          [...(target.readOnlyChildArgs ?? []), ...Object.values(cases)],
          isRoot ? NOBODY : undefined,
        )
        const exit = await child.exited
        expect(exit.code, child.stderr()).toBe(0)
        for (const line of child.lines) {
          const report = JSON.parse(line) as ProbeReport
          // The child really ran without root's permission bypass.
          expect(report.uid).not.toBe(0)
          reports.set(report.file, report)
        }
      }, 120_000)
      afterAll(() => {
        for (const file of Object.values(cases)) chmodSync(dirname(file), 0o755)
      })
      const ROWS = [
        { id: 'a', title: 'first' },
        { id: 'b', title: 'second' },
      ]

      it('a 0444 WAL file in a 0555 directory: ReadOnlyDatabaseError saying it is healthy, never "damaged"; unchanged', () => {
        const file = cases.walInReadOnlyDir
        const report = reports.get(file)!
        expect(report.open).toMatchObject({ code: 'PERSISTDB_READ_ONLY', canRead: false })
        expect(report.open!.message).toMatch(/healthy and was not changed.*directory writable/s)
        expect(report.open!.message).not.toMatch(/damaged|not a SQLite/)
        expect(fileSha(file)).toBe(before.get(file))
        expect(sideFiles(file)).toEqual([])
      })

      it('a 0444 file in a 0555 directory (rollback journal): rows are read, writes fail with ReadOnlyDatabaseError, nothing changes', () => {
        const file = cases.rollbackInReadOnlyDir
        const report = reports.get(file)!
        expect(report.open).toBeUndefined()
        expect(report.rows).toEqual(ROWS)
        expect(report.insert).toMatchObject({ code: 'PERSISTDB_READ_ONLY', canRead: true })
        expect((report.insert as ProbeOutcome).message).toMatch(
          /healthy and was not changed; stored rows can be read/,
        )
        // The refused write is not in memory either, and the collection stays usable for reads.
        expect(report.afterInsert).toEqual(['a', 'b'])
        expect(report.status).toBe('ready')
        expect(report.create).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })
        expect(fileSha(file)).toBe(before.get(file))
      })

      it('a 0444 WAL file in a writable directory: rows are read, writes fail with ReadOnlyDatabaseError, bytes unchanged', () => {
        const file = cases.readOnlyWalInWritableDir
        const report = reports.get(file)!
        expect(report.open).toBeUndefined()
        expect(report.rows).toEqual(ROWS)
        expect(report.insert).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })
        expect(report.afterInsert).toEqual(['a', 'b'])
        expect(report.create).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })
        expect(fileSha(file)).toBe(before.get(file))
        // Healthy afterwards, as a user who may write sees it.
        const db = new Database(file, { readonly: true })
        expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
        db.close()
      })

      it("a 0444 file holding only core's tables (no runtime table yet), 0555 directory: rows are read, writes fail with ReadOnlyDatabaseError, nothing changes", () => {
        const file = cases.withoutRuntimeTables
        const report = reports.get(file)!
        expect(report.open).toBeUndefined()
        expect(report.rows).toEqual(ROWS)
        expect(report.insert).toMatchObject({ code: 'PERSISTDB_READ_ONLY', canRead: true })
        expect((report.insert as ProbeOutcome).message).toMatch(/healthy and was not changed/)
        expect(report.afterInsert).toEqual(['a', 'b'])
        expect(report.status).toBe('ready')
        expect(report.create).toMatchObject({ code: 'PERSISTDB_READ_ONLY' })
        expect(fileSha(file)).toBe(before.get(file))
      })

      it('a new file in a 0555 directory: ReadOnlyDatabaseError, nothing created', () => {
        const file = cases.newFileInReadOnlyDir
        const report = reports.get(file)!
        expect(report.open).toMatchObject({ code: 'PERSISTDB_READ_ONLY', canRead: false })
        // Node knows the directory is read-only; engines that report only SQLITE_CANTOPEN say it may be.
        expect(report.open!.message).toMatch(/its directory (is read-only|cannot be written)/)
        expect(existsSync(file)).toBe(false)
      })

      it('the same kind of file opens and writes for a user who may write (the refusals above come from permissions)', () => {
        const report = reports.get(cases.writable)!
        expect(report.rows).toEqual(ROWS)
        expect(report.insert).toBe('acknowledged')
        expect(report.create).toBe('created')
      })
    })
  })
}
