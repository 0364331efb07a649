import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { InvalidRemoteMessageError, InvalidKeyError, RemoteProtocolMismatchError } from '@persistdb/core'
import {
  failureResponse,
  okResponse,
  protocolMismatch,
  randomId,
  readRequestBase,
  reviveError,
} from '@persistdb/core/remote'

describe('the versioned request base', () => {
  it('a message of another version (or none) is refused with a typed error naming both versions', () => {
    expect(protocolMismatch({ v: 3 }, 3)).toBeUndefined()
    const older = protocolMismatch({}, 3)
    expect(older).toBeInstanceOf(RemoteProtocolMismatchError)
    expect(older).toMatchObject({ code: 'PERSISTDB_PROTOCOL_MISMATCH', ours: 3, theirs: undefined })
    expect(older?.message).toMatch(/protocol 1 or older; this side speaks 3/)
    expect(protocolMismatch({ v: '3' }, 3)).toMatchObject({ theirs: undefined })
    const custom = protocolMismatch({ v: 4 }, 3, (theirs) => new Error(`theirs ${String(theirs)}`))
    expect(custom?.message).toBe('theirs 4')
  })

  it('reads the base fields of a well-formed request', () => {
    const client = randomId()
    expect(readRequestBase({ id: 7, client, v: 2, t: 'anything' })).toEqual({ id: 7, client, v: 2 })
    expect(readRequestBase({ id: 0, client: 'tab-1' })).toEqual({ id: 0, client: 'tab-1' })
  })

  test.prop([
    fc.oneof(
      fc.anything(),
      fc.record({ id: fc.anything(), client: fc.anything(), v: fc.anything() }, { requiredKeys: [] }),
      fc.record({ id: fc.integer({ min: 0 }), client: fc.string({ maxLength: 200 }), v: fc.anything() }),
    ),
  ])('anything else is refused with InvalidRemoteMessageError, never another error', (message) => {
    let read: unknown
    try {
      read = readRequestBase(message)
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRemoteMessageError)
      return
    }
    // Accepted only when every field is what PersistDB sends.
    const m = message as { id: number; client: string; v?: unknown }
    expect(Number.isSafeInteger(m.id) && m.id >= 0).toBe(true)
    expect(m.client).toMatch(/^[\w.:-]{1,128}$/)
    expect(m.v === undefined || Number.isSafeInteger(m.v)).toBe(true)
    expect(read).toMatchObject({ id: m.id, client: m.client })
  })

  it('answers survive a structured clone: ok carries its extra fields, a failure its typed error', () => {
    expect(structuredClone(okResponse(4, 2, { applied: true }))).toEqual({
      id: 4,
      term: 2,
      ok: true,
      applied: true,
    })
    const failure = structuredClone(failureResponse(5, 2, new InvalidKeyError(null), 'SQL'))
    expect(failure).toMatchObject({ id: 5, term: 2, ok: false, error: { kind: 'SQL' } })
    expect(reviveError(failure.error)).toBeInstanceOf(InvalidKeyError)
  })
})
