/**
 * The app's data layer, written as a user of PersistDB would write it: one
 * SQLite file, a synced collection (a TanStack Query collection over the
 * product API) and a local-only collection (the cart).
 */
import { BasicIndex, BTreeIndex, createCollection } from '@tanstack/db'
import { QueryClient } from '@tanstack/query-core'
import { queryCollectionOptions } from '@tanstack/query-db-collection'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '@persistdb/node'
import type { CartItem, Product } from './catalog'
import type { ProductPage } from './source'

export interface ShopOptions {
  /** The SQLite file. */
  path: string
  /** Base URL of the product API. */
  sourceUrl: string
  /** Called after each page the product query downloads. */
  onProgress?: (loaded: number, total: number, page: number, pages: number) => void
}

/** Downloads every page of the product list. Throws when the API is unreachable. */
async function fetchAllProducts(options: ShopOptions, signal?: AbortSignal): Promise<Product[]> {
  const all: Product[] = []
  let pages = 1
  for (let page = 1; page <= pages; page++) {
    const response = await fetch(`${options.sourceUrl}/products?page=${page}`, { signal })
    if (!response.ok) throw new Error(`GET /products?page=${page}: HTTP ${response.status}`)
    const body = (await response.json()) as ProductPage
    pages = body.pages
    all.push(...body.items)
    options.onProgress?.(all.length, body.total, page, pages)
  }
  return all
}

export function openShop(options: ShopOptions) {
  const persistence = createNodeSQLitePersistence({ path: options.path })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })

  const products = createCollection(
    persistedCollectionOptions({
      ...queryCollectionOptions({
        queryKey: ['products'],
        queryFn: ({ signal }) => fetchAllProducts(options, signal),
        queryClient,
        getKey: (product: Product) => product.id,
      }),
      id: 'products',
      persistence,
      schemaVersion: 1,
      // The demo's source either answers or refuses at once (then the cache serves immediately); the
      // fallback for a silent source is long so that a slow machine never marks ready before a slow answer.
      offlineReadyTimeoutMs: 15_000,
      // Start syncing at once: restored rows are in the collection when createCollection returns.
      startSync: true,
    }),
  )

  const cart = createCollection(
    persistedCollectionOptions<CartItem, string>({
      id: 'cart',
      getKey: (item) => item.productId,
      persistence,
      schemaVersion: 1,
    }),
  )

  async function close(): Promise<void> {
    await products.cleanup()
    await cart.cleanup()
    queryClient.clear()
    persistence.close()
  }

  return { persistence, queryClient, products, cart, close }
}

export type Shop = ReturnType<typeof openShop>

/** In-memory indexes for the app's live queries: range and order on price, join on id. */
export function indexProducts(products: Shop['products']): void {
  products.createIndex((product) => product.price, { indexType: BTreeIndex })
  products.createIndex((product) => product.id, { indexType: BasicIndex })
}
