import { fc, test } from '@fast-check/vitest'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { TAG, decodeKey, decodeValue, encodeKey, encodeValue } from '../src/codec'
import { InvalidKeyError, PersistenceError, StorageFormatError, UnsupportedValueError } from '../src/errors'

const NUM_RUNS = 400

/** Where `actual` first differs from `expected`, or undefined. Exact: Object.is numbers, own keys in order. */
function firstDifference(expected: unknown, actual: unknown, path = '$'): string | undefined {
  if (typeof expected !== typeof actual) return `${path}: ${typeof expected} vs ${typeof actual}`
  if (typeof expected !== 'object' || expected === null || actual === null) {
    return Object.is(expected, actual) ? undefined : `${path}: ${String(expected)} vs ${String(actual)}`
  }
  const a = actual as object
  const protoE: unknown = Object.getPrototypeOf(expected)
  const protoA: unknown = Object.getPrototypeOf(a)
  // Null-prototype objects are accepted but come back as ordinary plain objects.
  const plainE = (protoE === Object.prototype || protoE === null) && !Array.isArray(expected)
  const plainA = (protoA === Object.prototype || protoA === null) && !Array.isArray(a)
  if (plainE || plainA) {
    if (!(plainE && plainA)) return `${path}: plain object vs not`
    const e = expected as Record<string, unknown>
    const o = a as Record<string, unknown>
    const keysE = Object.keys(e)
    const keysA = Object.keys(o)
    if (keysE.join('\u0000') !== keysA.join('\u0000') || keysE.length !== keysA.length) {
      return `${path}: keys ${JSON.stringify(keysE)} vs ${JSON.stringify(keysA)}`
    }
    for (const k of keysE) {
      const d = firstDifference(e[k], o[k], `${path}[${JSON.stringify(k)}]`)
      if (d) return d
    }
    return undefined
  }
  if (protoE !== protoA) return `${path}: prototype mismatch`
  if (Array.isArray(expected)) {
    const arr = a as unknown[]
    if (expected.length !== arr.length) return `${path}: length ${expected.length} vs ${arr.length}`
    for (let i = 0; i < expected.length; i++) {
      // Holes are stored as undefined and must come back as present entries.
      if (!(i in arr)) return `${path}[${i}]: hole in decoded array`
      const d = firstDifference(expected[i], arr[i], `${path}[${i}]`)
      if (d) return d
    }
    return undefined
  }
  if (expected instanceof Date) {
    return Object.is(expected.getTime(), (a as Date).getTime()) ? undefined : `${path}: date`
  }
  if (expected instanceof Uint8Array) {
    const bytes = a as Uint8Array
    if (expected.length !== bytes.length || expected.some((b, i) => b !== bytes[i])) return `${path}: bytes`
    return undefined
  }
  if (expected instanceof Map || expected instanceof Set) {
    const entriesE = expected instanceof Map ? [...expected] : [...expected]
    const entriesA = a instanceof Map ? [...a] : [...(a as Set<unknown>)]
    return firstDifference(entriesE, entriesA, `${path}<entries>`)
  }
  return `${path}: unexpected ${String(protoE)}`
}

function exactEqual(a: unknown, b: unknown): boolean {
  return firstDifference(a, b) === undefined
}

function objectFrom(entries: [string, unknown][], nullProto: boolean): Record<string, unknown> {
  const obj = (nullProto ? Object.create(null) : {}) as Record<string, unknown>
  // defineProperty, so '__proto__' becomes an own key rather than calling the prototype setter.
  for (const [k, v] of entries) {
    Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return obj
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))
const str = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', maxLength: 1 }), loneSurrogate) }),
  fc.constantFrom(TAG, '"$pdb"', '{"$pdb":"u"}', 'a"$pdb', ''),
)
const key = fc.oneof(fc.constantFrom(TAG, '__proto__', 'v', '', 'a', '0', '10', 'toString', 'weird key'), str)
const bigMagnitude = 1n << 400n

const { value: anyValue, object: anyRow } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    tie('leaf'),
    tie('array'),
    tie('sparse'),
    tie('object'),
    tie('map'),
    tie('set'),
  ),
  leaf: fc.oneof(
    str,
    fc.double(),
    fc.constantFrom(NaN, -0, 0, Infinity, -Infinity),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt({ min: -bigMagnitude, max: bigMagnitude }),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array({ maxLength: 24 }),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  sparse: fc.sparseArray(tie('value'), { maxLength: 6 }),
  object: fc
    .tuple(fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }), fc.boolean())
    .map(([entries, nullProto]) => objectFrom(entries, nullProto)),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
}))

const plainKey = key.filter((k) => k !== TAG)
const { json: jsonValue } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    str,
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 5 }),
    fc
      .tuple(fc.array(fc.tuple(plainKey, tie('json')), { maxLength: 5 }), fc.boolean())
      .map(([entries, nullProto]) => objectFrom(entries, nullProto)),
  ),
}))

const roundTrip = (v: unknown): unknown => decodeValue(encodeValue(v))

function expectExact(expected: unknown, actual: unknown): void {
  expect(firstDifference(expected, actual)).toBeUndefined()
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('encodeValue/decodeValue properties', () => {
  test.prop([anyValue], { numRuns: NUM_RUNS })('round-trips any supported value exactly', (v) => {
    expectExact(v, roundTrip(v))
  })

  test.prop([anyRow], { numRuns: NUM_RUNS })('round-trips rows exactly and writes valid JSON', (row) => {
    const text = encodeValue(row)
    expect(() => JSON.parse(text)).not.toThrow()
    expectExact(row, decodeValue(text))
  })

  test.prop([jsonValue], { numRuns: NUM_RUNS })('stores plain JSON data as plain JSON', (v) => {
    const text = encodeValue(v)
    expect(text).toBe(JSON.stringify(v))
    expectExact(v, decodeValue(text))
  })

  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 100 })(
    'base64 without Buffer (browser path) matches the Buffer path',
    (bytes) => {
      const withBuffer = encodeValue(bytes)
      vi.stubGlobal('Buffer', undefined)
      const text = encodeValue(bytes)
      const decoded = decodeValue(text)
      vi.unstubAllGlobals()
      expect(text).toBe(withBuffer)
      expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype)
      expectExact(bytes, decoded)
    },
  )
})

describe('encodeValue/decodeValue examples', () => {
  it('writes the documented tag format', () => {
    expect(encodeValue({ d: new Date(5) })).toBe('{"d":{"$pdb":"d","v":5}}')
    expect(encodeValue(new Date(NaN))).toBe('{"$pdb":"d","v":null}')
    expect(encodeValue(-(10n ** 30n))).toBe('{"$pdb":"n","v":"-1000000000000000000000000000000"}')
    expect(encodeValue([NaN, Infinity, -Infinity, -0, 0])).toBe(
      '[{"$pdb":"f","v":"NaN"},{"$pdb":"f","v":"Infinity"},{"$pdb":"f","v":"-Infinity"},{"$pdb":"f","v":"-0"},0]',
    )
    expect(encodeValue({ a: undefined })).toBe('{"a":{"$pdb":"u"}}')
    expect(encodeValue(undefined)).toBe('{"$pdb":"u"}')
    expect(encodeValue(new Uint8Array([1, 2, 255]))).toBe('{"$pdb":"b","v":"AQL/"}')
    expect(encodeValue(new Map([[1, new Set(['x'])]]))).toBe('{"$pdb":"m","v":[[1,{"$pdb":"s","v":["x"]}]]}')
    expect(encodeValue({ $pdb: 'd', v: 0 })).toBe('{"$pdb":"o","v":{"$pdb":"d","v":0}}')
  })

  it('keeps undefined-valued keys and array holes as present undefined', () => {
    const decoded = roundTrip({ a: undefined }) as Record<string, unknown>
    expect(Object.hasOwn(decoded, 'a')).toBe(true)
    expect(exactEqual({ a: undefined }, {})).toBe(false)
    // eslint-disable-next-line no-sparse-arrays
    const arr = roundTrip([1, , undefined, 3]) as unknown[]
    expect(arr).toHaveLength(4)
    expect(1 in arr && 2 in arr).toBe(true)
    expect(roundTrip(undefined)).toBeUndefined()
  })

  it('never confuses user objects owning "$pdb" with tags', () => {
    const lookalikes = [
      { $pdb: 'u' },
      { $pdb: 'd', v: 0 },
      { $pdb: 'o', v: { $pdb: 'u' } },
      { $pdb: undefined },
    ]
    for (const v of lookalikes) {
      expectExact(v, roundTrip(v))
    }
    expectExact({ $pdb: { $pdb: new Date(1) } }, roundTrip({ $pdb: { $pdb: new Date(1) } }))
  })

  it('keeps "__proto__" an own property, never the prototype', () => {
    const simple = JSON.parse('{"__proto__":1}') as Record<string, unknown>
    const back = roundTrip(simple) as Record<string, unknown>
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe(1)

    // Needs tagging, so both the copying encoder and the reviving decoder see the key.
    const tagged = objectFrom([['__proto__', { d: new Date(7) }]], false)
    const revived = roundTrip(tagged) as Record<string, unknown>
    expect(Object.getPrototypeOf(revived)).toBe(Object.prototype)
    const own = Object.getOwnPropertyDescriptor(revived, '__proto__')?.value as { d: Date }
    expect(own.d.getTime()).toBe(7)
  })

  it('duplicates shared references and ignores symbol keys', () => {
    const shared = { n: -0, d: new Date(3) }
    const decoded = roundTrip({ a: shared, b: shared, list: [shared] }) as Record<string, unknown>
    expectExact({ a: shared, b: shared, list: [shared] }, decoded)
    expect(decoded.a).not.toBe(decoded.b)
    expect(encodeValue({ a: 1, [Symbol('s')]: () => 1 })).toBe('{"a":1}')
  })

  it('encodes only the viewed bytes of a Uint8Array and decodes to an exact Uint8Array', () => {
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4)
    const decoded = roundTrip(view)
    expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype)
    expect([...(decoded as Uint8Array)]).toEqual([1, 2, 3])
    const big = new Uint8Array(100_003).map((_, i) => (i * 7) & 255)
    vi.stubGlobal('Buffer', undefined)
    const text = encodeValue(big)
    const back = decodeValue(text)
    vi.unstubAllGlobals()
    expect(text).toBe(encodeValue(big))
    expectExact(big, back)
  })

  it('does not mutate the input', () => {
    const input = { a: undefined, b: [NaN], c: { $pdb: 1 } }
    encodeValue(input)
    expect(Object.keys(input)).toEqual(['a', 'b', 'c'])
    expect(input.b[0]).toBeNaN()
    expect(input.c).toEqual({ $pdb: 1 })
  })

  it('parses untagged text with plain JSON.parse and no reviver', () => {
    const parse = vi.spyOn(JSON, 'parse')
    expect(decodeValue('{"score":1,"tags":["a"]}')).toEqual({ score: 1, tags: ['a'] })
    expect(parse).toHaveBeenCalledTimes(1)
    expect(parse.mock.calls[0]).toEqual(['{"score":1,"tags":["a"]}'])
  })

  it('rejects unknown or malformed tags as a storage format error', () => {
    for (const text of ['{"$pdb":"zz","v":1}', '{"$pdb":"n","v":5}', '[{"$pdb":"f","v":"1"}]']) {
      const err = captureError(() => decodeValue(text))
      expect(err).toBeInstanceOf(StorageFormatError)
      expect((err as PersistenceError).code).toBe('PERSISTDB_STORAGE_FORMAT')
    }
  })
})

function captureError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

class Foo {
  x = 1
}
class MyArray<T> extends Array<T> {}
class MyMap extends Map<unknown, unknown> {}

const cyclicObject: Record<string, unknown> = { a: { b: {} } }
;(cyclicObject.a as { b: Record<string, unknown> }).b.c = cyclicObject
const cyclicArray: unknown[] = [1]
cyclicArray.push([cyclicArray])
const cyclicMap = new Map<unknown, unknown>()
cyclicMap.set('self', cyclicMap)
const cyclicSet = new Set<unknown>()
cyclicSet.add({ back: cyclicSet })

const rejections: [string, unknown, string, string][] = [
  ['nested function', { a: [1, { f: () => 1 }] }, '$.a[1].f', 'a function'],
  ['top-level function', () => 1, '$', 'a function'],
  ['symbol', { s: Symbol('s') }, '$.s', 'a symbol'],
  ['RegExp', { r: /x/ }, '$.r', 'an instance of RegExp'],
  ['Error', { e: new Error('x') }, '$.e', 'an instance of Error'],
  ['Promise', { p: Promise.resolve(1) }, '$.p', 'an instance of Promise'],
  ['WeakMap', { w: new WeakMap() }, '$.w', 'an instance of WeakMap'],
  ['WeakSet', { w: new WeakSet() }, '$.w', 'an instance of WeakSet'],
  ['boxed number', { n: new Number(1) }, '$.n', 'an instance of Number'],
  ['boxed string', { s: new String('x') }, '$.s', 'an instance of String'],
  ['boxed boolean', { b: new Boolean(true) }, '$.b', 'an instance of Boolean'],
  ['boxed bigint', { b: Object(1n) }, '$.b', 'an instance of BigInt'],
  ['Int8Array', { t: new Int8Array(1) }, '$.t', 'an instance of Int8Array'],
  ['Uint8ClampedArray', { t: new Uint8ClampedArray(1) }, '$.t', 'an instance of Uint8ClampedArray'],
  ['Float64Array', { t: [new Float64Array(1)] }, '$.t[0]', 'an instance of Float64Array'],
  ['BigInt64Array', { t: new BigInt64Array(1) }, '$.t', 'an instance of BigInt64Array'],
  ['ArrayBuffer', { t: new ArrayBuffer(1) }, '$.t', 'an instance of ArrayBuffer'],
  ['DataView', { t: new DataView(new ArrayBuffer(1)) }, '$.t', 'an instance of DataView'],
  ['Buffer', { t: Buffer.from('x') }, '$.t', 'an instance of Buffer'],
  ['class instance', { list: [0, new Foo()] }, '$.list[1]', 'an instance of Foo'],
  ['array subclass', { xs: MyArray.from([1]) }, '$.xs', 'an instance of MyArray'],
  ['Map subclass', { m: new MyMap() }, '$.m', 'an instance of MyMap'],
  ['custom prototype', { o: Object.create({}) }, '$.o', 'an object with a custom prototype'],
  ['non-identifier keys', { 'weird key': { 'a-b': () => 1 } }, '$["weird key"]["a-b"]', 'a function'],
  ['Map value', { m: new Map([['k', () => 1]]) }, '$.m[0][1]', 'a function'],
  ['Map key', { m: new Map<unknown, number>().set(1, 1).set(Symbol('k'), 1) }, '$.m[1][0]', 'a symbol'],
  ['Set item', { s: new Set([1, /x/]) }, '$.s[1]', 'an instance of RegExp'],
  ['inside escaped object', { $pdb: { f: () => 1 } }, '$.$pdb.f', 'a function'],
  ['after a copied sibling', { a: undefined, b: NaN, c: [undefined, () => 1] }, '$.c[1]', 'a function'],
  ['object cycle', cyclicObject, '$.a.b.c', 'a circular reference'],
  ['array cycle', cyclicArray, '$[1][0]', 'a circular reference'],
  ['Map cycle', { m: cyclicMap }, '$.m[0][1]', 'a circular reference'],
  ['Set cycle', cyclicSet, '$[0].back', 'a circular reference'],
]

describe('rejections', () => {
  it.each(rejections)('rejects %s', (_name, value, path, what) => {
    const err = captureError(() => encodeValue(value))
    expect(err).toBeInstanceOf(UnsupportedValueError)
    const e = err as UnsupportedValueError
    expect(e.code).toBe('PERSISTDB_UNSUPPORTED_VALUE')
    expect(e.path).toBe(path)
    expect(e.message).toContain(`Cannot persist ${what} at ${path}.`)
  })

  it('accepts shared, non-circular references', () => {
    const leaf = new Set([1])
    expect(() => encodeValue([leaf, leaf, { leaf }, new Map([[leaf, leaf]])])).not.toThrow()
  })
})

describe('keys', () => {
  test.prop([fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: loneSurrogate }))], { numRuns: 200 })(
    'strings pass through unchanged',
    (k) => {
      expect(encodeKey(k)).toBe(k)
      expect(decodeKey(encodeKey(k))).toBe(k)
    },
  )

  test.prop([fc.double({ noNaN: true, noDefaultInfinity: true })], { numRuns: 200 })(
    'finite numbers round-trip, -0 becomes 0',
    (k) => {
      const stored = encodeKey(k)
      expect(Object.is(stored, k === 0 ? 0 : k)).toBe(true)
      expect(Object.is(decodeKey(stored), stored)).toBe(true)
    },
  )

  it('keeps 1 and "1" distinct', () => {
    expect(decodeKey(encodeKey(1))).toBe(1)
    expect(decodeKey(encodeKey('1'))).toBe('1')
    expect(Object.is(encodeKey(-0), 0)).toBe(true)
    expect(encodeKey('')).toBe('')
  })

  it('converts safe int64 bigints from drivers', () => {
    expect(decodeKey(42n)).toBe(42)
    expect(decodeKey(-(2n ** 53n - 1n))).toBe(-Number.MAX_SAFE_INTEGER)
  })

  const badKeys: unknown[] = [NaN, Infinity, -Infinity, 1n, true, null, undefined, {}, [], Symbol('k')]
  const boxed: unknown[] = [new String('x'), new Number(1), new Date(0)]
  it.each([...badKeys, ...boxed].map((k) => [k]))('encodeKey rejects %s', (k) => {
    const err = captureError(() => encodeKey(k))
    expect(err).toBeInstanceOf(InvalidKeyError)
    expect((err as InvalidKeyError).code).toBe('PERSISTDB_INVALID_KEY')
  })

  it.each([NaN, Infinity, 2n ** 53n, -(2n ** 60n), null, undefined, true, {}].map((k) => [k]))(
    'decodeKey rejects %s',
    (k) => {
      const err = captureError(() => decodeKey(k))
      expect(err).toBeInstanceOf(InvalidKeyError)
      expect((err as InvalidKeyError).code).toBe('PERSISTDB_INVALID_KEY')
    },
  )
})
