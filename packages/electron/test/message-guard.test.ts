/** The first look main takes at a renderer's message: bounded size, plain structured-clone data. */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { inspectMessage } from '../src/message-guard'

const limits = { maxBytes: 64 * 1024, maxDepth: 16 }

describe('message guard', () => {
  test.prop([fc.jsonValue({ maxDepth: 5 })])('accepts plain JSON-like data under the limit', (value) => {
    const verdict = inspectMessage(value, { maxBytes: 16 * 1024 * 1024, maxDepth: 16 })
    expect(verdict.ok).toBe(true)
  })

  test.prop([fc.string({ minLength: 1, maxLength: 4000 }), fc.integer({ min: 1, max: 40 })])(
    'counts size: a message is refused as too large exactly when its counted bytes exceed the limit',
    (text, copies) => {
      const message = { id: 1, rows: Array.from({ length: copies }, () => text) }
      const unlimited = inspectMessage(message, { maxBytes: Number.MAX_SAFE_INTEGER, maxDepth: 16 })
      if (!unlimited.ok) throw new Error('plain data refused')
      expect(unlimited.bytes).toBeGreaterThanOrEqual(text.length * 2 * copies)
      expect(inspectMessage(message, { maxBytes: unlimited.bytes, maxDepth: 16 }).ok).toBe(true)
      expect(inspectMessage(message, { maxBytes: unlimited.bytes - 1, maxDepth: 16 })).toMatchObject({
        ok: false,
        reason: 'too-large',
      })
    },
  )

  it('accepts what PersistDB values carry: Date, bigint, Uint8Array, Map, Set, undefined, shared references', () => {
    const shared = { tag: 'x' }
    const verdict = inspectMessage(
      {
        a: new Date(0),
        b: 10n ** 30n,
        c: new Uint8Array(8),
        d: new Map([[1, shared]]),
        e: new Set([shared]),
        f: undefined,
      },
      limits,
    )
    expect(verdict.ok).toBe(true)
  })

  it('refuses holes (a sparse array claiming a billion elements costs nothing to send), cycles, deep nests', () => {
    const sparse: unknown[] = []
    sparse[1_000_000_000] = 1
    expect(inspectMessage({ rows: sparse }, limits)).toMatchObject({ ok: false, reason: 'malformed' })
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(inspectMessage(cycle, limits)).toMatchObject({ ok: false, reason: 'malformed' })
    let deep: unknown = 1
    for (let i = 0; i < 40; i++) deep = [deep]
    expect(inspectMessage(deep, limits)).toMatchObject({ ok: false, reason: 'malformed' })
    let shallow: unknown = 1
    for (let i = 0; i < 10; i++) shallow = [shallow]
    expect(inspectMessage(shallow, limits).ok).toBe(true)
  })

  it('refuses what structured clone can carry but PersistDB never sends', () => {
    for (const value of [
      new Error('x'),
      /re/,
      new ArrayBuffer(4),
      new Float64Array(2),
      Object(1),
      new (class Foo {})(),
    ])
      expect(inspectMessage({ value }, limits)).toMatchObject({ ok: false, reason: 'malformed' })
  })

  it('never throws, whatever it is given', () => {
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap')
        },
      },
    )
    expect(inspectMessage(trap, limits)).toMatchObject({ ok: false, reason: 'malformed' })
    expect(inspectMessage(() => 1, limits)).toMatchObject({ ok: false, reason: 'malformed' })
  })
})
