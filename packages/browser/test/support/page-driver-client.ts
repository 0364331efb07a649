/**
 * A Node-side SQLiteDriver whose every call runs the real browser driver in a
 * Chromium tab (page-drivers.ts), so suites written for Node drivers (the
 * driver contract) run against the browser driver over the real wa-sqlite
 * OPFS worker. A transaction body runs in Node; each of its statements goes to
 * the transaction held open in the page.
 *
 * Values cross `page.evaluate` as they are: playwright-core 1.65 serializes
 * Uint8Array, bigint (to ±2^63), -0, and strings with NUL, astral characters
 * and lone surrogates exactly, both ways (checked; the contract's round-trip
 * test would catch a change).
 */
import type { Page } from 'playwright-core'
import { reviveError, type ErrorEnvelope } from '@persistdb/core/remote'
import {
  BROWSER_ERROR_CLASSES,
  type SQLiteDriver,
  type SQLiteExecutor,
  type SQLiteLimits,
  type SQLiteRow,
  type SQLiteStatement,
  type SQLiteValue,
} from '../../src'
import type { PageDriversApi, Result } from './page-drivers'

type Api = PageDriversApi

/** Calls `window.pdbDrivers[method](...args)` in the page. */
function call<M extends keyof Api>(
  page: Page,
  method: M,
  ...args: Parameters<Api[M]>
): Promise<Awaited<ReturnType<Api[M]>>> {
  return page.evaluate(
    ([m, a]) =>
      (window as unknown as { pdbDrivers: Record<string, (...x: unknown[]) => unknown> }).pdbDrivers[m]!(
        ...a,
      ),
    [method, args] as [string, unknown[]],
  ) as never
}

/**
 * The page's error as Node sees it: PersistDB's typed errors revive as their own classes; anything else
 * stays a plain error with its name (and engine code), as the driver threw it in the page.
 */
function toError(envelope: ErrorEnvelope): Error {
  if (envelope.code?.startsWith('PERSISTDB_')) return reviveError(envelope, BROWSER_ERROR_CLASSES)
  const error = Object.assign(new Error(envelope.message), envelope.code ? { code: envelope.code } : {})
  error.name = envelope.name
  return error
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw toError(result.error)
  return result.value
}

export interface PageDriverOptions {
  /** The tab whose driver runs the statements. */
  page: Page
  databaseName: string
  /** Opened first and made leader, so `page` is a follower whose statements go to this tab's worker. */
  leaderPage?: Page
  /** The IndexedDB fallback (as where OPFS sync access handles are missing) instead of OPFS. */
  indexeddb?: boolean
}

export async function openPageDriver(options: PageDriverOptions): Promise<PageDriver> {
  const { page, databaseName, leaderPage, indexeddb = false } = options
  let leader: { page: Page; handle: number } | undefined
  if (leaderPage) {
    const opened = unwrap(await call(leaderPage, 'open', databaseName, { lead: true, indexeddb }))
    leader = { page: leaderPage, handle: opened.handle }
  }
  const opened = unwrap(await call(page, 'open', databaseName, { lead: !leaderPage, indexeddb }))
  if (leaderPage && (await call(page, 'isLeader', opened.handle))) {
    throw new Error(`${databaseName}: the follower tab leads; the leader tab was meant to`)
  }
  return new PageDriver(page, opened.handle, opened, leader)
}

export class PageDriver implements SQLiteDriver {
  readonly mode = 'async' as const
  readonly limits: Partial<SQLiteLimits>
  readonly isolation: 'serialized' | 'connection' | undefined

  constructor(
    private readonly page: Page,
    private readonly handle: number,
    declared: { limits: Partial<SQLiteLimits>; isolation: 'serialized' | 'connection' | undefined },
    private readonly leader: { page: Page; handle: number } | undefined,
  ) {
    this.limits = declared.limits
    this.isolation = declared.isolation
  }

  async all(sql: string, params: readonly SQLiteValue[] = []): Promise<readonly SQLiteRow[]> {
    return unwrap(await call(this.page, 'all', this.handle, sql, [...params]))
  }

  async run(sql: string, params: readonly SQLiteValue[] = []): Promise<void> {
    unwrap(await call(this.page, 'run', this.handle, sql, [...params]))
  }

  async transaction<T>(body: (tx: SQLiteExecutor) => T | Promise<T>): Promise<T> {
    const { page } = this
    const id = unwrap(await call(page, 'begin', this.handle))
    const tx: SQLiteExecutor = {
      all: async (sql, params = []) => unwrap(await call(page, 'txAll', id, sql, [...params])),
      run: async (sql, params = []) => unwrap(await call(page, 'txRun', id, sql, [...params])),
      runBatch: async (statements: readonly SQLiteStatement[]) =>
        unwrap(
          await call(
            page,
            'txRunBatch',
            id,
            statements.map((s) => ({ sql: s.sql, params: [...(s.params ?? [])] })),
          ),
        ),
    }
    let value: T
    try {
      value = await body(tx)
    } catch (error) {
      await call(page, 'end', id, false)
      throw error
    }
    unwrap(await call(page, 'end', id, true))
    return value
  }

  /** Requests the page's coordinator has sent to a leader (to wait until one is on its way). */
  requestsSent(): Promise<number> {
    return call(this.page, 'requestsSent', this.handle)
  }

  async close(): Promise<void> {
    unwrap(await call(this.page, 'close', this.handle))
    if (this.leader) unwrap(await call(this.leader.page, 'close', this.leader.handle))
  }
}
