/**
 * What OpSQLiteDriver adds to op-sqlite, on the real Node builds of 15 and 18
 * and on the 15.0/15.1 shim: the write lock is held from the start of a
 * transaction body, statements a body left running finish inside the
 * transaction, BLOB parameters bind exactly their bytes, and op-sqlite's
 * own database types fit the structural type the package accepts.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { DB as DB18 } from '@op-engineering/op-sqlite'
import type { DB as DB15 } from 'op-sqlite-15'
import { afterAll, describe, expect, it } from 'vitest'
import { guardDriver, UnsupportedValueError } from '@persistdb/core'
import type { OpSQLiteDatabase } from '../src/op-sqlite-types'
import { toOpSQLiteParams } from '../src/params'
import { driverOn, NODE_BUILDS, tempDir, type Engine } from './helpers'
import { openOpSQLite15Shim } from './shims/op-sqlite-15-native'

// op-sqlite's own DB types must fit what the package accepts: an upstream change breaks the typecheck.
export const fits18 = (db: DB18): OpSQLiteDatabase => db
export const fits15 = (db: DB15): OpSQLiteDatabase => db

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let n = 0

const ENGINES: readonly Engine[] = [
  ...NODE_BUILDS,
  { label: 'op-sqlite 15.0/15.1 shim', open: (o) => openOpSQLite15Shim(o) },
]

describe.each(ENGINES)('OpSQLiteDriver on $label', (engine) => {
  const open = () => {
    const name = `driver-${++n}.sqlite`
    const driver = guardDriver(driverOn(engine.open({ name, location: tmp.dir })))
    return { driver, file: join(tmp.dir, name) }
  }

  it('holds the write lock for the whole body, before its first write', async () => {
    const { driver, file } = open()
    await driver.run('CREATE TABLE t (id INTEGER PRIMARY KEY)')
    const other = new Database(file, { timeout: 0 })
    const tryWrite = () => {
      try {
        other.exec('BEGIN IMMEDIATE; ROLLBACK')
        return 'free'
      } catch (error) {
        return (error as { code?: string }).code
      }
    }
    expect(tryWrite()).toBe('free') // the check can see a free lock
    let during: string | undefined
    await driver.transaction(async (tx) => {
      during = tryWrite() // nothing written yet in this body
      await tx.run('INSERT INTO t (id) VALUES (1)')
    })
    expect(during).toBe('SQLITE_BUSY')
    expect(tryWrite()).toBe('free')
    other.close()
    await driver.close()
  })

  it('finishes statements a failing body left running before rolling back', async () => {
    const { driver } = open()
    await driver.run('CREATE TABLE t (id INTEGER PRIMARY KEY)')
    const failing = driver.transaction((tx) => {
      void Promise.resolve(tx.run('INSERT INTO t (id) VALUES (1)')).catch(() => undefined)
      void Promise.resolve(tx.run('INSERT INTO t (id) VALUES (2)')).catch(() => undefined)
      throw new Error('body failed')
    })
    await expect(failing).rejects.toThrow('body failed')
    expect(await driver.all('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }])
    // The same statements, left running by a body that succeeds, commit with it.
    await driver.transaction((tx) => {
      void tx.run('INSERT INTO t (id) VALUES (3)')
    })
    expect(await driver.all('SELECT id FROM t')).toEqual([{ id: 3 }])
    await driver.close()
  })

  it('binds a BLOB that is a view into a larger buffer as exactly its bytes', async () => {
    const { driver } = open()
    await driver.run('CREATE TABLE b (v BLOB)')
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9])
    await driver.transaction((tx) => tx.run('INSERT INTO b (v) VALUES (?)', [backing.subarray(2, 5)]))
    expect(await driver.all('SELECT v, length(v) AS len FROM b')).toEqual([
      { v: new Uint8Array([1, 2, 3]), len: 3 },
    ])
    await driver.close()
  })
})

describe('toOpSQLiteParams', () => {
  it('passes a whole buffer as it is and copies a partial view', () => {
    const whole = new Uint8Array([1, 2])
    expect(toOpSQLiteParams([whole])![0]).toBe(whole.buffer)
    const part = new Uint8Array([0, 1, 2, 3]).subarray(1, 3)
    expect(new Uint8Array(toOpSQLiteParams([part])![0] as ArrayBuffer)).toEqual(new Uint8Array([1, 2]))
  })

  it('binds a safe bigint as a number and refuses a larger one', () => {
    expect(toOpSQLiteParams([5n])).toEqual([5])
    expect(() => toOpSQLiteParams([2n ** 60n])).toThrow(UnsupportedValueError)
  })
})
