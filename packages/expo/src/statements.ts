import { UnsupportedValueError, type SQLiteEngineRow, type SQLiteValue } from '@persistdb/core'
import type { ExpoBindValue, ExpoConnection, ExpoStatement } from './expo-types'

/**
 * One statement on one connection: prepare, execute, finalize. This is what
 * expo's own `getAllAsync` / `runAsync` do, except that a failed finalize
 * after a failed step does not replace the step's error (expo's web build
 * finalizes with a generic "Error finalizing statement", hiding the engine's
 * message such as "UNIQUE constraint failed").
 */
export async function queryRows(
  connection: ExpoConnection,
  sql: string,
  params: readonly SQLiteValue[],
): Promise<SQLiteEngineRow[]> {
  const bound = bindable(params)
  const statement = await connection.prepareAsync(sql)
  return settle(statement, async () => {
    const result = await statement.executeAsync<SQLiteEngineRow>(bound)
    return result.getAllAsync()
  })
}

export async function runStatement(
  connection: ExpoConnection,
  sql: string,
  params: readonly SQLiteValue[],
): Promise<void> {
  const bound = bindable(params)
  const statement = await connection.prepareAsync(sql)
  await settle(statement, () => statement.executeAsync(bound))
}

async function settle<T>(statement: ExpoStatement, work: () => Promise<T>): Promise<T> {
  let result: T
  try {
    result = await work()
  } catch (error) {
    await statement.finalizeAsync().catch(() => undefined)
    throw error
  }
  await statement.finalizeAsync()
  return result
}

/**
 * Parameters as expo-sqlite binds them. Two values it cannot round-trip are
 * refused before anything is sent: a bigint (expo binds only numbers; its
 * web build throws, native ones lose precision) and text containing U+0000
 * (expo-sqlite on iOS and web reads text only up to the first NUL, so such a
 * key would come back as another key).
 */
export function bindable(params: readonly SQLiteValue[]): ExpoBindValue[] {
  const out: ExpoBindValue[] = new Array<ExpoBindValue>(params.length)
  for (let i = 0; i < params.length; i++) {
    const value = params[i]!
    if (typeof value === 'bigint') {
      if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new UnsupportedValueError(
          `statement parameter ${i + 1}`,
          `the integer ${value} (expo-sqlite binds integers as JS numbers, exact only within ±2^53)`,
        )
      }
      out[i] = Number(value)
    } else if (typeof value === 'string' && value.includes('\u0000')) {
      throw new UnsupportedValueError(
        `statement parameter ${i + 1}`,
        'text containing U+0000 (expo-sqlite on iOS and web reads text only up to the first NUL; ' +
          'use a key without NUL characters)',
      )
    } else {
      out[i] = value
    }
  }
  return out
}
