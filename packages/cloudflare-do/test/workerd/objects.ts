/**
 * Test helpers for the workerd project: fresh Durable Objects of the test
 * Worker's SQLite-backed class, and their storage.
 *
 * A Durable Object's storage can only be used from inside that object (its
 * I/O context): `runInDurableObject` runs a callback there. The shared
 * contract suites use a driver across a whole test, so `runEachTestInNewObject`
 * runs every test of a file inside a Durable Object of its own.
 */
import { env, runInDurableObject } from 'cloudflare:test'
import { aroundEach } from 'vitest'

export type ObjectState = DurableObjectState

let counter = 0

/** A name no other test has used: a new, empty object. */
export function freshName(prefix = 'fresh'): string {
  return `${prefix}-${Date.now()}-${++counter}`
}

/** A stub for the object named `name` (the same name is the same object and the same database). */
export function objectNamed(name: string): DurableObjectStub {
  return env.OBJECTS.get(env.OBJECTS.idFromName(name))
}

/** Runs `fn` inside the object named `name`, with its live `ctx`. */
export function inObject<T>(name: string, fn: (ctx: ObjectState) => T | Promise<T>): Promise<T> {
  return runInDurableObject(objectNamed(name), (_instance, ctx) => fn(ctx))
}

/** Runs `fn` inside a Durable Object no other test has used. */
export function inNewObject<T>(fn: (ctx: ObjectState) => T | Promise<T>): Promise<T> {
  return inObject(freshName(), fn)
}

/**
 * Registers an aroundEach hook: each test of the file runs inside a new
 * Durable Object; `current()` is that object's `ctx` while the test runs.
 */
export function runEachTestInNewObject(): { current(): ObjectState } {
  let ctx: ObjectState | undefined
  aroundEach(async (runTest) => {
    await inNewObject(async (state) => {
      ctx = state
      try {
        await runTest()
      } finally {
        ctx = undefined
      }
    })
  })
  return {
    current() {
      if (!ctx) throw new Error('No test is running inside a Durable Object.')
      return ctx
    },
  }
}
