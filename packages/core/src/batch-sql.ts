import { driverLimits, run, type Step, type StorageOp } from './runner'
import type { SQLiteValue } from './driver'

/**
 * The multi-row statements of the write path. Their text depends only on the
 * table, the shape and the row count, so each is built once: a single-row
 * commit builds no SQL, and the driver's statement cache is probed with the
 * same string every time (its hash is computed once).
 */

/** Rows per multi-row statement: more saves little, and keeps statements cacheable. */
const CHUNK = 64

/** Rows of `width` parameters each that one statement may carry, under `maxParameters`. */
function rowsFor(maxParameters: number, width: number): number {
  // A statement's other parameters (none today) would go in the reserve.
  return Math.max(1, Math.min(CHUNK, Math.floor(maxParameters / width)))
}

/** Rows of `width` parameters each that one statement may carry on this driver. */
export function* rowsPerStatement(width: number): StorageOp<number> {
  const { maxParameters } = yield* driverLimits()
  return rowsFor(maxParameters, width)
}

export function placeholders(n: number, group = '?'): string {
  return new Array<string>(n).fill(group).join(', ')
}

type Shape = 'withMeta' | 'valueOnly' | 'delete'

const WIDTH: Record<Shape, number> = { withMeta: 3, valueOnly: 2, delete: 1 }

function buildSql(table: string, shape: Shape, n: number): string {
  switch (shape) {
    case 'withMeta':
      return (
        `INSERT INTO ${table} (key, value, meta) VALUES ${placeholders(n, '(?, ?, ?)')} ` +
        `ON CONFLICT (key) DO UPDATE SET value = excluded.value, meta = excluded.meta`
      )
    case 'valueOnly':
      return (
        `INSERT INTO ${table} (key, value) VALUES ${placeholders(n, '(?, ?)')} ` +
        `ON CONFLICT (key) DO UPDATE SET value = excluded.value`
      )
    case 'delete':
      return `DELETE FROM ${table} WHERE key IN (${placeholders(n)})`
  }
}

/** table → shape → statement text by row count. Bounded: tables × 3 shapes × CHUNK texts. */
const texts = new Map<string, Record<Shape, string[]>>()

function sqlFor(table: string, shape: Shape, n: number): string {
  let byShape = texts.get(table)
  if (!byShape) texts.set(table, (byShape = { withMeta: [], valueOnly: [], delete: [] }))
  return (byShape[shape][n] ??= buildSql(table, shape, n))
}

/** The statements that write `withMeta` (key, value, meta triples), `valueOnly` pairs and `deletes` keys. */
export function rowSteps(
  table: string,
  maxParameters: number,
  withMeta: SQLiteValue[],
  valueOnly: SQLiteValue[],
  deletes: SQLiteValue[],
): Step[] {
  const steps: Step[] = []
  chunk(steps, table, maxParameters, 'withMeta', withMeta)
  chunk(steps, table, maxParameters, 'valueOnly', valueOnly)
  chunk(steps, table, maxParameters, 'delete', deletes)
  return steps
}

function chunk(out: Step[], table: string, maxParameters: number, shape: Shape, params: SQLiteValue[]): void {
  const width = WIDTH[shape]
  const total = params.length / width
  if (total === 0) return
  const size = rowsFor(maxParameters, width)
  for (let start = 0; start < total; start += size) {
    const n = Math.min(size, total - start)
    out.push(
      run(sqlFor(table, shape, n), n === total ? params : params.slice(start * width, (start + n) * width)),
    )
  }
}
