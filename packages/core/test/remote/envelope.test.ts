import { fc, test } from '@fast-check/vitest'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import * as core from '@persistdb/core'
import * as remote from '@persistdb/core/remote'
import { CORE_ERROR_CLASSES, reviveError, toEnvelope, type ErrorEnvelope } from '@persistdb/core/remote'
import { errorClassesOf, expectRevivedAs } from '../support/error-revival'

/** Constructor arguments for every error class core exports (a new class without an entry fails the first test). */
const SAMPLE_ARGS: Record<string, unknown[]> = {
  UnsupportedValueError: ['$.tags[2]', 'a function'],
  InvalidKeyError: [{}],
  InvalidCollectionIdError: ['collection ids are non-empty strings'],
  InvalidOptionsError: ['bad option'],
  SchemaVersionMismatchError: ['todos', 1, 2],
  MigrationFailedError: ['todos', 1, 2, new Error('boom')],
  StorageFormatError: ['format 9 is newer'],
  ForeignDatabaseError: ['not ours'],
  PersistenceWriteError: ['todos', new Error('disk I/O error')],
  PersistenceReadError: ['todos', new Error('disk I/O error')],
  PersistenceClosedError: [],
  DriverResultError: ['rows as arrays'],
  UnsupportedTanStackDbError: ['the sync API'],
  SQLiteEngineError: [
    'database is locked',
    'SQLITE_BUSY',
    Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }),
  ],
  TransactionMisuseError: ['nested transaction'],
  StatementLimitError: ['too many parameters'],
  NotSQLiteFileError: ['/tmp/x.db'],
  DamagedDatabaseError: ['/tmp/x.db', ['Tree 2 page 3 cell 0: invalid page number', 'second']],
  ReadOnlyDatabaseError: ['/tmp/x.db', 'wal-in-read-only-directory'],
  MissingDirectoryError: ['/tmp/no/x.db', '/tmp/no'],
  ConnectionClosedError: ['/tmp/x.db'],
  DatabaseBusyError: ['/tmp/x.db', 5000],
  DatabaseFileReplacedError: ['/tmp/x.db', 'deleted'],
  DatabaseInUseError: ['in use'],
  InvalidExportError: [3, 'is not JSON'],
  RemotePersistenceError: ['TypeError', 'ERR_X', 'x is not a function'],
  RemoteProtocolMismatchError: ['Main', 2, undefined],
  LeaderFencedError: [3, 4],
  InvalidRemoteMessageError: ['the request id must be a non-negative integer'],
  RemoteRequestRefusedError: ['malformed', 'unknown operation "sql"'],
  RemoteUnavailableError: ['the main process exited', new Error('channel closed')],
}

describe('error envelopes', () => {
  it('every error class core exports revives to its own class, with its code, message and fields', () => {
    const classes = errorClassesOf({ ...core, ...remote })
    expect(classes.length).toBeGreaterThanOrEqual(29)
    for (const [name, Class] of classes) {
      const args = SAMPLE_ARGS[name]
      expect(args, `add sample arguments for ${name}`).toBeDefined()
      const error = Reflect.construct(Class, args!) as core.PersistenceError
      expect(CORE_ERROR_CLASSES[error.code], `${error.code} is in CORE_ERROR_CLASSES`).toBe(Class)
      expectRevivedAs(error, Class, CORE_ERROR_CLASSES)
    }
  })

  it('a write error keeps its engine cause: class, engine code and failure kind survive', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)')
    db.prepare('INSERT INTO t VALUES (?)').run('a')
    let engine: unknown
    try {
      db.prepare('INSERT INTO t VALUES (?)').run('a')
    } catch (error) {
      engine = error
    }
    db.close()
    const wrapped = new core.SQLiteEngineError(
      (engine as Error).message,
      'SQLITE_CONSTRAINT_PRIMARYKEY',
      engine,
    )
    const revived = reviveError(structuredClone(toEnvelope(new core.PersistenceWriteError('todos', wrapped))))
    expect(revived).toBeInstanceOf(core.PersistenceWriteError)
    expect((revived as core.PersistenceWriteError).collectionId).toBe('todos')
    const cause = revived.cause as core.SQLiteEngineError
    expect(cause).toBeInstanceOf(core.SQLiteEngineError)
    expect(cause.engineCode).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    expect((cause.cause as { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    expect(cause.message).toBe(wrapped.message)
  })

  it('a raw engine error (named or numeric code) revives as SQLiteEngineError that core reads as the same failure', () => {
    const numeric = Object.assign(new Error('database is locked'), { name: 'SQLiteError', code: 5 })
    const envelope = toEnvelope(numeric, 'SQL')
    expect(envelope).toMatchObject({ code: 'SQLITE_BUSY', kind: 'SQL', name: 'SQLiteError' })
    const revived = reviveError(structuredClone(envelope))
    expect(revived).toBeInstanceOf(core.SQLiteEngineError)
    expect((revived as core.SQLiteEngineError).engineCode).toBe('SQLITE_BUSY')
    expect(core.sqliteFailureKind(revived)).toBe('busy')
    const readOnly = reviveError({
      name: 'SqliteError',
      message: 'readonly',
      code: 'SQLITE_READONLY_DIRECTORY',
    })
    expect(core.openFailure(readOnly, 'x.db')).toBeInstanceOf(core.ReadOnlyDatabaseError)
  })

  it('an unknown code, no code or a malformed envelope becomes RemotePersistenceError, never a bare Error', () => {
    const newer = reviveError({
      name: 'FutureError',
      message: 'from a newer build',
      code: 'PERSISTDB_FUTURE',
    })
    expect(newer).toBeInstanceOf(core.RemotePersistenceError)
    expect(newer).toMatchObject({
      code: 'PERSISTDB_REMOTE_ERROR',
      remoteName: 'FutureError',
      remoteCode: 'PERSISTDB_FUTURE',
    })
    expect(newer.message).toContain('from a newer build')
    const plain = reviveError(toEnvelope(new TypeError('x is not a function')))
    expect(plain).toMatchObject({ code: 'PERSISTDB_REMOTE_ERROR', remoteName: 'TypeError' })
    for (const malformed of [
      null,
      42,
      'oops',
      { name: 1, message: 'x' },
      { name: 'E', message: 'x', code: 7 },
    ])
      expect(reviveError(malformed)).toBeInstanceOf(core.RemotePersistenceError)
  })

  it('details cannot replace the class, code or prototype of a revived error', () => {
    const hostile = JSON.parse(
      '{"name":"InvalidKeyError","message":"m","code":"PERSISTDB_INVALID_KEY",' +
        '"details":{"__proto__":{"polluted":true},"code":"PERSISTDB_CLOSED","stack":"s","path":"$.a","fn":{"x":1}}}',
    ) as ErrorEnvelope
    const revived = reviveError(hostile)
    expect(revived).toBeInstanceOf(core.InvalidKeyError)
    expect(revived).toMatchObject({ code: 'PERSISTDB_INVALID_KEY', path: '$.a' })
    expect((revived as unknown as { polluted?: unknown }).polluted).toBeUndefined()
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    expect((revived as unknown as { fn?: unknown }).fn).toBeUndefined()
  })

  test.prop([
    fc.record(
      {
        name: fc.string(),
        message: fc.string(),
        code: fc.oneof(
          fc.constantFrom(...Object.keys(CORE_ERROR_CLASSES), 'SQLITE_BUSY', 'SQLITE_CONSTRAINT_UNIQUE'),
          // Inherited names: a lookup that is not own-keys-only would find a "class" here.
          fc.constantFrom('valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty'),
          fc.string(),
        ),
        details: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: ['name', 'message'] },
    ),
  ])('any envelope revives to a typed error that keeps its message', (envelope) => {
    const revived = reviveError(envelope)
    expect(revived).toBeInstanceOf(core.PersistenceError)
    expect(revived.message).toContain(envelope.message)
    const Class =
      // Own keys only: a hostile code such as 'valueOf' names no class.
      envelope.code === undefined || !Object.hasOwn(CORE_ERROR_CLASSES, envelope.code)
        ? undefined
        : CORE_ERROR_CLASSES[envelope.code as core.PersistenceErrorCode]
    if (Class) expect(revived).toBeInstanceOf(Class)
    // What it revives to travels again unchanged in class and code.
    const again = reviveError(structuredClone(toEnvelope(revived)))
    expect(again.constructor).toBe(revived.constructor)
    expect((again as core.PersistenceError).code).toBe((revived as core.PersistenceError).code)
  })
})
