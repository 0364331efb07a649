/**
 * The expo driver over expo-sqlite's real web build (its worker, wa-sqlite on
 * OPFS) in headless Chromium (support/expo-web-harness.ts): values, typed
 * engine errors with the engine's message, rollback, the NUL refusal, and a
 * persisted collection restored by a second persistence. The web build has
 * no withExclusiveTransactionAsync, so this covers the one-connection path.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openExpoWebPage, type ExpoWebPage } from './support/expo-web-harness'

let web: ExpoWebPage
beforeAll(async () => {
  web = await openExpoWebPage()
})
afterAll(() => web?.close())

it('runs the driver and a persisted collection on expo-sqlite web', async () => {
  const report = await web.page.evaluate(() =>
    (window as unknown as { expoWeb: { run(name: string): Promise<Record<string, unknown>> } }).expoWeb.run(
      'contract',
    ),
  )
  const scalars = [null, 0, -1, 2 ** 53 - 1, 1.5, '', 'astral 😀 é']
  // expo-sqlite's web build (57.0.3) reads an empty BLOB back as null.
  expect(report.oneByOne).toEqual([...scalars, { blob: [0, 1, 255] }, null])
  // In a multi-row result its worker hands BLOBs over as views into the WASM heap, which later rows
  // overwrite: only the other values are compared. PersistDB's own rows are JSON text (restored below).
  expect((report.roundTrip as unknown[]).slice(0, scalars.length)).toEqual(scalars)
  // The web build hands integers beyond 2^53 over as bigint; core keeps them exact.
  expect(report.large).toBe('bigint')
  expect(report.duplicate).toMatchObject({
    code: 'PERSISTDB_SQLITE_ERROR',
    message: expect.stringContaining('UNIQUE constraint failed'),
  })
  expect(report.nul).toMatchObject({ code: 'PERSISTDB_UNSUPPORTED_VALUE' })
  expect(report.rolledBack).toBe(0)
  expect(report.restored).toBe(50)
  expect(report.r7).toEqual([7])
})
