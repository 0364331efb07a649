import { expect } from 'vitest'
import { PersistenceError } from '@persistdb/core'
import {
  reviveError,
  toEnvelope,
  type ErrorClassTable,
  type PersistenceErrorClass,
} from '@persistdb/core/remote'

/** The PersistenceError subclasses among a module's exports, by export name. */
export function errorClassesOf(exports: Record<string, unknown>): [string, PersistenceErrorClass][] {
  return Object.entries(exports).filter(
    (entry): entry is [string, PersistenceErrorClass] =>
      typeof entry[1] === 'function' &&
      (entry[1] as { prototype?: unknown }).prototype instanceof PersistenceError,
  )
}

/**
 * Sends `error` through an envelope and a structured clone (what postMessage
 * and Electron IPC do) and checks it revives as `Class`: same code, name,
 * message and plain-data fields, a genuine Error.
 */
export function expectRevivedAs(
  error: PersistenceError,
  Class: PersistenceErrorClass,
  classes: ErrorClassTable,
): void {
  const revived = reviveError(structuredClone(toEnvelope(error)), classes)
  expect(revived, error.name).toBeInstanceOf(Class)
  expect(revived).toBeInstanceOf(Error)
  expect(Object.prototype.toString.call(revived)).toBe('[object Error]')
  expect(revived.name).toBe(error.name)
  expect(revived.message).toBe(error.message)
  const fields = (e: object) =>
    Object.fromEntries(
      Object.entries(e).filter(([k, v]) => (k !== 'cause' && typeof v !== 'object') || Array.isArray(v)),
    )
  expect(fields(revived)).toEqual(fields(error))
  if (error.cause instanceof Error) expect((revived.cause as Error).message).toBe(error.cause.message)
}
