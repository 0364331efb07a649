/**
 * The demo "app": one process run of it. main.ts starts it several times as
 * child processes against the same SQLite file: `app.ts <phase>`.
 *
 * Env: DEMO_DATA_FILE (the SQLite file), DEMO_SOURCE_URL (product API),
 * DEMO_CHANGES (JSON CatalogChanges, for `reconnect` and `verify`).
 */
import { statSync } from 'node:fs'
import { createLiveQueryCollection, eq, gt } from '@tanstack/db'
import type { CartItem, CatalogChanges, Product } from './catalog'
import { bytes, detail, exitAfterFlush, line, LiveLine, money, ms, num } from './format'
import { indexProducts, openShop, type Shop } from './shop'

type Phase = 'online' | 'offline' | 'reconnect' | 'verify'

/** Time from process start until this module runs: Node start-up plus loading (and transpiling) the modules. */
const loadedAt = performance.now()

const phase = process.argv[2] as Phase
const path = requiredEnv('DEMO_DATA_FILE')
const sourceUrl = requiredEnv('DEMO_SOURCE_URL')
const changes = process.env.DEMO_CHANGES
  ? (JSON.parse(process.env.DEMO_CHANGES) as CatalogChanges)
  : undefined

// TanStack Query logs a stack trace for every failed fetch; the demo reports
// the source's state itself (utils.getPersistenceStatus().sourceError).
const consoleError = console.error
console.error = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('[QueryCollection] Error observing query')) return
  consoleError(...args)
}

const progress = new LiveLine()
let pagesLoaded = 0
let downloadedAt = 0
const openedAt = performance.now()
const shop = openShop({
  path,
  sourceUrl,
  onProgress: (loaded, total, page, pages) => {
    pagesLoaded = page
    downloadedAt = performance.now()
    progress.update('syncing', `${num(loaded).padStart(5)} / ${num(total)} rows   page ${page}/${pages}`)
  },
})
// With a synchronous driver the restored rows are in the collection as soon
// as createCollection returns, before the source has answered.
const restoredAt = performance.now()
const restored = shop.products.size
indexProducts(shop.products)

switch (phase) {
  case 'online':
    await online(shop)
    break
  case 'offline':
    await offline(shop)
    break
  case 'reconnect':
    await reconnect(shop)
    break
  case 'verify':
    await verify(shop)
    break
  default:
    throw new Error(`unknown phase ${String(phase)}`)
}
const counts = `${num(shop.products.size)} products, ${num(shop.cart.size)} cart items`
await shop.close()
if (phase === 'online')
  line('data file', `${bytes(fileSize(path))}  (${num(fileSize(path))} bytes: ${counts})`)
// Exit explicitly: idle keep-alive sockets of fetch() would hold the process open for a few seconds.
await exitAfterFlush(Number(process.exitCode ?? 0))

async function online({ products, cart }: Shop): Promise<void> {
  line('rows restored', `${num(restored)}  (new file: nothing cached yet)`)
  await products.toArrayWhenReady()
  const readyAt = performance.now()
  progress.done('synced', `${num(products.size)} rows from the source in ${pagesLoaded} pages`)
  line(
    'ready',
    `${ms(readyAt - openedAt)} after open: download ${ms(downloadedAt - openedAt)}, ` +
      `then apply + write to SQLite ${ms(readyAt - downloadedAt)}`,
  )
  await cart.toArrayWhenReady()
  cart.insert({ productId: 'p-00042', quantity: 1, addedAt: new Date() })
  cart.insert({ productId: 'p-00100', quantity: 2, addedAt: new Date() })
  line('cart (local-only)', `added p-00042 ×1, p-00100 ×2  (on disk when insert() returns)`)
}

async function offline({ products, cart }: Shop): Promise<void> {
  restoredLine('before the source answers')
  const expensive = createLiveQueryCollection((q) =>
    q
      .from({ p: products })
      .where(({ p }) => gt(p.price, 50))
      .orderBy(({ p }) => p.price, 'desc')
      .orderBy(({ p }) => p.id, 'asc')
      .limit(3),
  )
  const allExpensive = createLiveQueryCollection((q) =>
    q.from({ p: products }).where(({ p }) => gt(p.price, 50)),
  )
  await Promise.all([expensive.preload(), allExpensive.preload()])
  const answeredAt = performance.now()
  line('source', describeSource(products.utils.getPersistenceStatus().sourceError))
  line('ready', `${ms(answeredAt - openedAt)} after open, status '${products.status}'`)
  line('live query', `price > 50, by price desc, limit 3: ${num(allExpensive.size)} match`)
  for (const p of expensive.toArray) detail(`${p.id}  ${money(p.price).padStart(8)}  ${p.name}`)
  await expensive.cleanup()
  await allExpensive.cleanup()

  await cart.toArrayWhenReady()
  const before = cart.size
  cart.insert({ productId: 'p-03000', quantity: 1, addedAt: new Date() })
  line('cart (local-only)', `${before} items restored; added p-03000 ×1 while offline → ${cart.size} items`)
  await printCart(products, cart)
}

async function reconnect({ products, cart }: Shop): Promise<void> {
  restoredLine('before the source answers')
  const seen = { insert: [] as Product[], update: [] as Product[], delete: [] as Product[] }
  // includeInitialState: a subscription reports changes only for rows it has
  // delivered, so it takes the restored rows first (and skips that batch).
  let initial = true
  const subscription = products.subscribeChanges(
    (batch) => {
      if (initial) return
      for (const change of batch) seen[change.type].push(change.value)
    },
    { includeInitialState: true },
  )
  initial = false
  await products.toArrayWhenReady()
  await new Promise((resolve) => setTimeout(resolve, 0))
  const appliedAt = performance.now()
  subscription.unsubscribe()
  const changed = seen.insert.length + seen.update.length + seen.delete.length
  progress.done(
    'source answered',
    `${ms(appliedAt - openedAt)} after open: ${seen.insert.length} added, ${seen.update.length} updated, ` +
      `${seen.delete.length} deleted, ${num(restored - seen.update.length - seen.delete.length)} unchanged`,
  )
  const was = new Map(changes?.updated.map((u) => [u.id, u.from]))
  for (const p of seen.update) detail(`~ ${p.id}  price ${money(was.get(p.id) ?? NaN)} → ${money(p.price)}`)
  for (const p of seen.delete) detail(`- ${p.id}  ${p.name}`)
  for (const p of seen.insert) detail(`+ ${p.id}  ${money(p.price)}  ${p.name}`)
  line('rows now', `${num(products.size)}  (${changed} changes written to SQLite as they were applied)`)
  await cart.toArrayWhenReady()
  line('cart (local-only)', `${cart.size} items: kept across 3 runs, now priced from fresh data`)
  await printCart(products, cart)
}

async function verify({ products, cart }: Shop): Promise<void> {
  restoredLine('source offline again')
  await Promise.all([products.toArrayWhenReady(), cart.toArrayWhenReady()])
  const problems: string[] = []
  for (const u of changes?.updated ?? []) {
    if (products.get(u.id)?.price !== u.to) problems.push(`${u.id} price is not ${u.to}`)
  }
  for (const id of changes?.deleted ?? []) if (products.has(id)) problems.push(`${id} is still there`)
  for (const id of changes?.added ?? []) if (!products.has(id)) problems.push(`${id} is missing`)
  if (cart.size !== 3) problems.push(`cart has ${cart.size} items, expected 3`)
  const counts = changes
    ? `${changes.updated.length} updated, ${changes.deleted.length} deleted, ${changes.added.length} added`
    : ''
  if (problems.length === 0)
    line('persisted', `yes: run 3's changes (${counts}) and the cart's 3 items are on disk`)
  else {
    line('persisted', `NO: ${problems.join('; ')}`)
    process.exitCode = 1
  }
}

function restoredLine(note: string): void {
  line('rows restored', `${num(restored)}  ${note}`)
  detail(
    `in ${ms(restoredAt - openedAt)} after open; ${ms(restoredAt)} after process start ` +
      `(${ms(loadedAt)} of it Node + loading modules)`,
  )
}

/** The cart joined with the products it refers to: a live query across a local-only and a synced collection. */
async function printCart(products: Shop['products'], cart: Shop['cart']): Promise<void> {
  const lines = createLiveQueryCollection((q) =>
    q
      .from({ c: cart })
      .join({ p: products }, ({ c, p }) => eq(c.productId, p.id), 'inner')
      .orderBy(({ c }) => c.productId, 'asc')
      .select(({ c, p }) => ({ id: c.productId, name: p.name, price: p.price, quantity: c.quantity })),
  )
  const rows = await lines.toArrayWhenReady()
  let total = 0
  for (const row of rows) {
    const quantity = row.quantity ?? 0
    total += row.price * quantity
    detail(`${row.id}  ${money(row.price).padStart(8)} ×${quantity}  ${row.name}`)
  }
  detail(`total ${money(total)}`)
  await lines.cleanup()
}

function describeSource(error: unknown): string {
  if (error === undefined) return 'answered'
  const cause = (error as { cause?: { code?: string } }).cause?.code
  const message = error instanceof Error ? error.message : String(error)
  return `unreachable (${cause ? `${message}: ${cause}` : message}); serving the cached rows`
}

function fileSize(file: string): number {
  let total = 0
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(file + suffix).size
    } catch {
      // no WAL file after a clean close
    }
  }
  return total
}

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set (run the demo with npm run demo)`)
  return value
}

export type { CartItem }
