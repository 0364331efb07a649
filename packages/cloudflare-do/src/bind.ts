import { PersistenceError, type SQLiteValue } from '@persistdb/core'

/**
 * A parameter Durable Object SQL cannot bind: workerd rejects every BigInt.
 * Core binds integers within ±2^53 as numbers and its codec stores larger
 * bigints as tagged text, so only a hand-written statement reaches this.
 */
export class UnbindableValueError extends PersistenceError {
  constructor(index: number, value: bigint) {
    super(
      'PERSISTDB_UNSUPPORTED_VALUE',
      `Bound parameter ${index + 1} is the integer ${value}, beyond ±2^53: Durable Object SQL binds no BigInt and ` +
        `a double would change it. Nothing was sent. Bind it as text (String(value)) or store it through a ` +
        `collection, whose codec keeps bigints of any size exactly.`,
    )
  }
}

type DOBinding = string | number | null | ArrayBuffer

/**
 * Core's parameters as workerd takes them: a safe bigint as its number, a
 * Uint8Array as an ArrayBuffer holding exactly its bytes (a view into a
 * larger buffer would otherwise bind the whole buffer).
 */
export function toBindings(params: readonly SQLiteValue[]): DOBinding[] {
  const out = new Array<DOBinding>(params.length)
  for (let i = 0; i < params.length; i++) {
    const value = params[i]!
    if (typeof value === 'bigint') {
      if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new UnbindableValueError(i, value)
      }
      out[i] = Number(value)
    } else if (value instanceof Uint8Array) {
      out[i] =
        value.byteOffset === 0 &&
        value.byteLength === value.buffer.byteLength &&
        value.buffer instanceof ArrayBuffer
          ? value.buffer
          : value.slice().buffer
    } else {
      out[i] = value
    }
  }
  return out
}
