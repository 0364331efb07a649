import type { IR } from '@tanstack/db'
import { sqlString } from './sql'

/**
 * Field paths become JSON path literals inlined into the SQL text (a bound `?` path defeats expression
 * indexes). A path is only pushed down when SQLite reads exactly what core reads: everything else is
 * reported unsupported and evaluated in memory (over-fetching, never under-fetching).
 */

// Core reads `row[seg]` on live JS values, so a segment that names a prototype member (`constructor`,
// `length` of a string or array, `size` of a Map, ...) yields something JSON never holds.
const NESTED_PROTOTYPES: readonly object[] = [
  Object.prototype,
  Array.prototype,
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  BigInt.prototype,
  Date.prototype,
  Map.prototype,
  Set.prototype,
  Uint8Array.prototype,
]
const ARRAY_INDEX = /^(0|[1-9]\d*)$/

/** The row-relative path of a reference (an explicit source alias is dropped, as core does). */
export function refPath(ref: IR.PropRef): readonly string[] {
  const alias = ref.sourceAlias
  return alias !== undefined && ref.path[0] === alias ? ref.path.slice(1) : ref.path
}

/** True when core's property walk and SQLite's JSON lookup agree on this segment at this depth. */
function segmentReadsLikeJson(segment: string, depth: number): boolean {
  if (typeof segment !== 'string' || segment.includes('\u0000')) return false
  // The row itself is a plain object: only Object.prototype members differ. Deeper, the parent may be any
  // stored type (a string, an array, a Map, ...), whose members and indexes core would read.
  if (depth === 0) return !(segment in Object.prototype)
  if (ARRAY_INDEX.test(segment)) return false
  return !NESTED_PROTOTYPES.some((proto) => segment in proto)
}

/** One JSON path step: quoted when possible; SQLite's quoted labels cannot hold `"` or `\`. */
function jsonStep(segment: string): string | undefined {
  if (!segment.includes('"') && !segment.includes('\\')) return `."${segment}"`
  if (segment.length > 0 && !segment.startsWith('"') && !segment.includes('.') && !segment.includes('['))
    return `.${segment}`
  return undefined
}

/** Validated path steps, or undefined when the path cannot be read exactly from JSON. */
export function jsonSteps(path: readonly string[]): readonly string[] | undefined {
  if (path.length === 0) return undefined
  const steps: string[] = []
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!
    if (!segmentReadsLikeJson(segment, i)) return undefined
    const step = jsonStep(segment)
    if (step === undefined) return undefined
    steps.push(step)
  }
  return steps
}

/** The SQL string literal of the JSON path made of the first `length` steps (plus an optional suffix). */
export function pathLiteral(steps: readonly string[], length = steps.length, suffix = ''): string {
  return sqlString('$' + steps.slice(0, length).join('') + suffix)
}
