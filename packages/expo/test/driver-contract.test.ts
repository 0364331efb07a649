/**
 * The driver contract suite (packages/core/test/contract) against the expo
 * driver, on the expo-sqlite shim backed by real SQLite (support/expo-sqlite-shim.ts):
 * with exclusive transactions on a second connection (iOS/Android), and on
 * one connection as expo's web build allows.
 */
import { afterAll } from 'vitest'
import { describeDriverContract } from '../../core/test/contract/driver-contract'
import { ExpoSQLiteDriver } from '../src'
import { openShimDatabaseAsync, type ShimOptions } from './support/expo-sqlite-shim'
import { placeFile } from '../../core/test/support/fault-files'
import { tempDir } from './support/files'

const tmp = tempDir('persistdb-expo-contract-')
afterAll(() => tmp.cleanup())
let n = 0

const driverAt = async (file: string, options: ShimOptions) =>
  new ExpoSQLiteDriver(await openShimDatabaseAsync(file, options), true, {
    busyTimeoutMs: 5000,
    synchronous: 'NORMAL' as const,
  })

const target = (options: ShimOptions) => ({
  openBytes: async (bytes: Uint8Array) => {
    const file = tmp.file(`placed-${++n}.db`)
    const read = placeFile(file, bytes)
    return { driver: await driverAt(file, options), bytes: read }
  },
  open: async () =>
    new ExpoSQLiteDriver(await openShimDatabaseAsync(tmp.file(`c${++n}.db`), options), true, {
      busyTimeoutMs: 5000,
      synchronous: 'NORMAL' as const,
    }),
  // expo hands integers over as JS numbers (exact within ±2^53) and reads text up to the first NUL.
  bigIntegers: false,
  textWithNul: false,
  // 256 KiB: comparing 1 MiB values element by element takes most of a minute on this loaded machine.
  largeValueBytes: 256 * 1024,
})

describeDriverContract('expo-sqlite (shim: native, exclusive transactions)', target({ platform: 'native' }))
describeDriverContract('expo-sqlite (shim: web, one connection)', target({ platform: 'web' }))
