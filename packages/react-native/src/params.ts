import { UnsupportedValueError, type SQLiteValue } from '@persistdb/core'
import type { OpSQLiteScalar } from './op-sqlite-types'

/**
 * Core's values as op-sqlite binds them. A BLOB goes over as an ArrayBuffer
 * holding exactly its bytes: op-sqlite 15.0 to 15.1 sent a view's whole
 * underlying buffer (`view.buffer`), so a view into a larger buffer would bind
 * the wrong bytes. op-sqlite binds JS numbers only: a bigint within ±2^53 goes
 * as a number, a larger one is refused rather than rounded.
 */
export function toOpSQLiteParams(params: readonly SQLiteValue[] | undefined): OpSQLiteScalar[] | undefined {
  if (!params || params.length === 0) return undefined
  return params.map((value, i) => {
    if (value instanceof Uint8Array) {
      const whole = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength
      return whole && value.buffer instanceof ArrayBuffer ? value.buffer : value.slice().buffer
    }
    if (typeof value === 'bigint') {
      if (value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) return Number(value)
      throw new UnsupportedValueError(
        `parameter ${i + 1}`,
        `the integer ${value} (op-sqlite binds JS numbers, exact only within ±2^53)`,
      )
    }
    return value
  })
}
