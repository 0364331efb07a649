/**
 * The shared persistence scenarios (packages/core/test/contract) on
 * @persistdb/cloudflare-do in real workerd, opened the way an object does it
 * (`createCloudflareDOSQLitePersistence({ storage: ctx.storage })`).
 *
 * Each test runs inside a Durable Object of its own. A scenario names its
 * database; an object has exactly one, so opening another name in the same
 * test first drops PersistDB's tables (a new, empty database), and opening
 * the same name again reopens the same storage: a restart of the persistence
 * (a restart of workerd itself is restart.test.ts).
 */
import { describePersistenceScenarios } from '../../core/test/contract/persistence-scenarios'
import { createCloudflareDOSQLitePersistence } from '../src'
import { dropPersistDBTables } from './workerd/storage'
import { runEachTestInNewObject } from './workerd/objects'

const object = runEachTestInNewObject()
const lastName = new WeakMap<DurableObjectState, string>()

describePersistenceScenarios('@persistdb/cloudflare-do (workerd)', {
  open: (name) => {
    const ctx = object.current()
    if (lastName.get(ctx) !== name) dropPersistDBTables(ctx.storage)
    lastName.set(ctx, name)
    return createCloudflareDOSQLitePersistence({ storage: ctx.storage })
  },
})
