/** Deterministic benchmark rows of about 200 bytes of JSON each. */
export interface BenchRow {
  id: string
  title: string
  score: number
  active: boolean
  category: string
  meta: { owner: string; tags: string[]; rating: number; category: string }
  createdAt: string
}

export const CATEGORIES = 10

/**
 * The W4 query: `where meta.category = CATEGORY and score > MIN_SCORE orderBy score desc limit LIMIT`
 * (a nested field in the filter, as issue 12 writes it).
 */
export const TOP_QUERY = { category: 'c3', minScore: 500, limit: 50 } as const
/** The second query of the shape: its answer is the first one's (the top scores are far above 501). */
export const SECOND_MIN_SCORE = TOP_QUERY.minScore + 1

const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'lima', 'oscar', 'papa', 'sierra', 'tango']
const OWNERS = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis', 'frances']

/** mulberry32: a tiny seeded PRNG, so every target and every run writes the same rows. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function makeRow(i: number, salt = 0): BenchRow {
  const next = random(i * 7919 + salt * 104729 + 1)
  const word = () => WORDS[Math.floor(next() * WORDS.length)]!
  const row: BenchRow = {
    id: `row-${String(i).padStart(8, '0')}`,
    title: `${word()} ${word()} ${word()} item number ${i}`,
    score: Math.round(next() * 1_000_000) / 1000,
    active: next() < 0.5,
    category: `c${Math.floor(next() * CATEGORIES)}`,
    meta: {
      owner: OWNERS[Math.floor(next() * OWNERS.length)]!,
      tags: [word(), word()],
      rating: Math.floor(next() * 5) + 1,
      category: '',
    },
    createdAt: new Date(Date.UTC(2024, 0, 1) + Math.floor(next() * 365 * 86_400_000)).toISOString(),
  }
  // The nested copy W4 filters on (drawn last, so every other field keeps its value across seed versions).
  row.meta.category = `c${Math.floor(next() * CATEGORIES)}`
  return row
}

/** Rows `from` .. `from + count - 1`. */
export function makeRows(count: number, from = 0, salt = 0): BenchRow[] {
  const rows = new Array<BenchRow>(count)
  for (let i = 0; i < count; i++) rows[i] = makeRow(from + i, salt)
  return rows
}

/** The answer to TOP_QUERY over `rows`, computed plainly (to feed TanStack DB alone and to check results). */
export function topAnswer(rows: Iterable<BenchRow>): BenchRow[] {
  const hits: BenchRow[] = []
  for (const row of rows) {
    if (row.meta.category === TOP_QUERY.category && row.score > TOP_QUERY.minScore) hits.push(row)
  }
  hits.sort((a, b) => b.score - a.score)
  return hits.slice(0, TOP_QUERY.limit)
}

/** The same rows changed for W3 updates. */
export function updated(row: BenchRow): void {
  row.score = Math.round((row.score + 1) * 1000) / 1000
  row.active = !row.active
}
