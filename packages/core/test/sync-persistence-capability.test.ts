import { validateSyncPersistenceCapability } from '@tanstack/db'
import { describe, expect, it } from 'vitest'
import { encodeKey, encodeValue, UnsupportedTanStackDbError } from '../src'
import {
  checkSyncPersistenceProtocol,
  createSyncPersistenceCapability,
} from '../src/sync-persistence-capability'

describe('metadata.persistence capability', () => {
  it('is accepted by the installed @tanstack/db validator (the protocol it was tested with)', () => {
    expect(() => checkSyncPersistenceProtocol()).not.toThrow()
    const capability = createSyncPersistenceCapability({ scanRows: async () => [] })
    expect(validateSyncPersistenceCapability(capability)).toBe(capability)
  })

  it('refuses another protocol version with a clear typed error', () => {
    const other = { SYNC_PERSISTENCE_PROTOCOL: '@tanstack/db/sync-persistence', SYNC_PERSISTENCE_VERSION: 2 }
    expect(() => checkSyncPersistenceProtocol(other)).toThrow(UnsupportedTanStackDbError)
    expect(() => checkSyncPersistenceProtocol(other)).toThrow(
      /protocol @tanstack\/db\/sync-persistence v1 \(found .* v2\)/,
    )
    expect(() => checkSyncPersistenceProtocol({})).toThrow(/found undefined vundefined/)
  })

  it('scanPersistedRows decodes stored rows with their metadata and skips metadata-only keys', async () => {
    const when = new Date(1234)
    const capability = createSyncPersistenceCapability<string | number>({
      scanRows: async () => [
        {
          key: encodeKey('a'),
          value: encodeValue({ id: 'a', when }),
          meta: encodeValue({ owners: { q: true } }),
        },
        { key: encodeKey(7), value: encodeValue({ id: 7 }), meta: null },
        { key: encodeKey('gone'), value: null, meta: encodeValue({ owners: {} }) },
      ],
    })
    expect(await capability.scanPersistedRows()).toEqual([
      { key: 'a', value: { id: 'a', when }, metadata: { owners: { q: true } } },
      { key: 7, value: { id: 7 } },
    ])
  })
})
