/**
 * The browser's own errors cross from the leader's worker as envelopes and
 * revive as themselves (runs in Node: errors.ts loads no browser API).
 */
import { describe, expect, it } from 'vitest'
import { reviveError, toEnvelope } from '@persistdb/core/remote'
import { errorClassesOf, expectRevivedAs } from '../../core/test/support/error-revival'
import * as errors from '../src/errors'

const SAMPLE_ARGS: Record<string, unknown[]> = {
  LeaderUnavailableError: ['todos', 1500, 'unknown'],
  PersistenceUnavailableError: ['Web Locks are missing'],
  DatabaseOpenError: ['todos', 'NoModificationAllowedError'],
  StorageQuotaError: ['todos', 'QuotaExceededError: short write'],
  TabProtocolMismatchError: ['todos', 2, undefined],
}

describe('browser error envelopes', () => {
  it('every error class of @persistdb/browser revives to its own class with its fields', () => {
    const classes = errorClassesOf(errors)
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(SAMPLE_ARGS).sort())
    for (const [name, Class] of classes) {
      const error = Reflect.construct(Class, SAMPLE_ARGS[name]!) as errors.LeaderUnavailableError
      expect(errors.BROWSER_ERROR_CLASSES[error.code]).toBe(Class)
      expectRevivedAs(error, Class, errors.BROWSER_ERROR_CLASSES)
    }
  })

  it('without the browser table a browser error still revives typed, keeping its code', () => {
    const revived = reviveError(toEnvelope(new errors.StorageQuotaError('todos', 'short write')))
    expect(revived).toMatchObject({ code: 'PERSISTDB_REMOTE_ERROR', remoteCode: 'PERSISTDB_QUOTA_EXCEEDED' })
  })
})
