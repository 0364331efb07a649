/**
 * The test page for web-build.test.ts: the expo driver over expo-sqlite's
 * real web build (its worker runs wa-sqlite on OPFS), checked through core's
 * guard and a persisted collection. `window.expoWeb.run()` returns what it saw.
 */
import { createCollection } from '@tanstack/db'
import { openDatabaseAsync } from 'expo-sqlite'
import {
  guardDriver,
  persistedCollectionOptions,
  createSQLitePersistence,
  type SQLiteValue,
} from '@persistdb/core'
import { ExpoSQLiteDriver, type ExpoDatabase } from '../../src'

const settings = { busyTimeoutMs: 5000, synchronous: 'NORMAL' } as const

async function failure(work: () => unknown): Promise<{ code?: string; message: string } | null> {
  try {
    await work()
    return null
  } catch (error) {
    return { code: (error as { code?: string }).code, message: String((error as Error).message) }
  }
}

async function run(name: string) {
  const db = guardDriver(
    new ExpoSQLiteDriver((await openDatabaseAsync(`${name}.db`)) as ExpoDatabase, true, settings),
  )
  await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v)')
  const values: SQLiteValue[] = [
    null,
    0,
    -1,
    2 ** 53 - 1,
    1.5,
    '',
    'astral 😀 é',
    new Uint8Array([0, 1, 255]),
    new Uint8Array(0),
  ]
  await db.transaction(async (tx) => {
    for (let i = 0; i < values.length; i++)
      await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, values[i]!])
  })
  const show = (v: SQLiteValue | undefined) => (v instanceof Uint8Array ? { blob: [...v] } : v)
  const rows = await db.all('SELECT id, v FROM t ORDER BY id')
  const roundTrip = rows.map((r) => show(r.v))
  // One row per statement: expo's web worker hands BLOB columns over as views into the WASM heap.
  const oneByOne: unknown[] = []
  for (let i = 0; i < values.length; i++)
    oneByOne.push(show((await db.all('SELECT v FROM t WHERE id = ?', [i]))[0]?.v))
  const large = await db.all('SELECT 9223372036854775807 AS big')
  const duplicate = await failure(() =>
    db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (id, v) VALUES (100, 1)')
      await tx.run('INSERT INTO t (id, v) VALUES (100, 2)')
    }),
  )
  const nul = await failure(() => db.run('INSERT INTO t (id, v) VALUES (?, ?)', [200, 'a\u0000b']))
  const rolledBack = Number((await db.all('SELECT count(*) AS n FROM t WHERE id IN (100, 200)'))[0]!.n)
  await db.close()

  // A persisted collection: written, closed, restored from the file by a new persistence.
  type Row = { id: string; bytes: Uint8Array }
  const open = async () => {
    const persistence = createSQLitePersistence({
      driver: new ExpoSQLiteDriver(
        (await openDatabaseAsync(`${name}-rows.db`)) as ExpoDatabase,
        true,
        settings,
      ),
      pollIntervalMs: 0,
    })
    const rows = createCollection(
      persistedCollectionOptions<Row, string>({
        id: 'rows',
        getKey: (r) => r.id,
        persistence,
        schemaVersion: 1,
      }),
    )
    await rows.preload()
    return { persistence, rows }
  }
  const first = await open()
  await first.rows.insert(Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, bytes: new Uint8Array([i]) })))
    .isPersisted.promise
  await first.rows.cleanup()
  await first.persistence.close()
  const second = await open()
  const restored = second.rows.size
  const r7 = [...(second.rows.get('r7')?.bytes ?? [])]
  await second.rows.cleanup()
  await second.persistence.close()
  return { roundTrip, oneByOne, large: typeof large[0]!.big, duplicate, nul, rolledBack, restored, r7 }
}

;(window as unknown as { expoWeb: { run: typeof run } }).expoWeb = { run }
