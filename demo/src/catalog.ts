/** The fake product catalog the demo's source serves: deterministic, so every run prints the same rows. */
export interface Product {
  id: string
  name: string
  category: string
  price: number
  stock: number
  updatedAt: string
}

export interface CartItem {
  productId: string
  quantity: number
  addedAt: Date
}

const ADJECTIVES = [
  'Compact',
  'Rugged',
  'Silent',
  'Smart',
  'Classic',
  'Wireless',
  'Solar',
  'Modular',
  'Pocket',
  'Pro',
]
const NOUNS = [
  'Lamp',
  'Kettle',
  'Backpack',
  'Speaker',
  'Drill',
  'Monitor',
  'Tent',
  'Blender',
  'Keyboard',
  'Router',
]
const CATEGORIES = ['home', 'outdoor', 'office', 'kitchen', 'tools']

export const productId = (n: number): string => `p-${String(n).padStart(5, '0')}`

/** `count` products with prices between 1.00 and 120.00 (a fixed pseudo-random sequence). */
export function makeCatalog(count: number): Product[] {
  let seed = 42
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  const products: Product[] = []
  for (let n = 1; n <= count; n++) {
    products.push({
      id: productId(n),
      name: `${ADJECTIVES[Math.floor(next() * ADJECTIVES.length)]} ${NOUNS[Math.floor(next() * NOUNS.length)]}`,
      category: CATEGORIES[Math.floor(next() * CATEGORIES.length)]!,
      price: Math.round((1 + next() * 119) * 100) / 100,
      stock: Math.floor(next() * 500),
      updatedAt: '2025-01-01T00:00:00.000Z',
    })
  }
  return products
}

export interface CatalogChanges {
  updated: Array<{ id: string; field: 'price'; from: number; to: number }>
  deleted: string[]
  added: string[]
}

/** What changes on the server while the app is offline: 3 price updates, 2 deletions, 3 new products. */
export function changeCatalog(products: Product[]): CatalogChanges {
  const changes: CatalogChanges = { updated: [], deleted: [], added: [] }
  const byId = new Map(products.map((p, i) => [p.id, i]))
  const updatedAt = '2025-06-01T00:00:00.000Z'
  for (const [id, to] of [
    ['p-00042', 149.0],
    ['p-01234', 9.99],
    ['p-03000', 55.5],
  ] as const) {
    const product = products[byId.get(id)!]!
    changes.updated.push({ id, field: 'price', from: product.price, to })
    products[byId.get(id)!] = { ...product, price: to, updatedAt }
  }
  for (const id of ['p-00007', 'p-04999']) {
    products.splice(
      products.findIndex((p) => p.id === id),
      1,
    )
    changes.deleted.push(id)
  }
  const total = products.length + changes.deleted.length
  for (let i = 1; i <= 3; i++) {
    const id = productId(total + i)
    products.push({
      id,
      name: `Limited Edition Drop #${i}`,
      category: 'home',
      price: 100 + i * 20,
      stock: 10,
      updatedAt,
    })
    changes.added.push(id)
  }
  return changes
}
