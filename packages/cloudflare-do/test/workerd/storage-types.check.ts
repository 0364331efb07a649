/**
 * A type test (checked by `npm run typecheck` through test/tsconfig.json): the
 * real `DurableObjectStorage` of @cloudflare/workers-types satisfies the
 * structural types the driver is written against, so an upstream change to
 * the methods it uses breaks the build here.
 */
import type { DOSqlStorage, DOStorage } from '../../src'

export const storageFits = (storage: DurableObjectStorage): DOStorage => storage
export const sqlFits = (sql: SqlStorage): DOSqlStorage => sql
