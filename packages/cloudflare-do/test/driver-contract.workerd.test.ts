/**
 * The driver contract suite (packages/core/test/contract) in real workerd:
 * each test runs inside a new Durable Object and drives that object's own
 * SQLite storage (`ctx.storage`), as an application's object would.
 */
import { describeDriverContract } from '../../core/test/contract/driver-contract'
import { DurableObjectSQLiteDriver } from '../src'
import { runEachTestInNewObject } from './workerd/objects'

const object = runEachTestInNewObject()
let opened: DurableObjectState | undefined

describeDriverContract('Durable Object SQL (workerd)', {
  open: () => {
    const ctx = object.current()
    // The contract asks for a new, empty database per open(): an object has one, so one open per test.
    if (opened === ctx) throw new Error('open() called twice in one test: one Durable Object, one database.')
    opened = ctx
    return new DurableObjectSQLiteDriver(ctx.storage)
  },
  // workerd binds no BigInt: integers beyond ±2^53 cannot be bound exactly (the codec stores them as text).
  bigIntegers: false,
  // workerd authorizes only its own PRAGMAs: `PRAGMA query_only` answers SQLITE_AUTH, and a
  // `max_page_count` ceiling does not end in SQLITE_FULL there, so neither fault can be staged in an object.
  queryOnly: false,
  pageLimit: false,
})
