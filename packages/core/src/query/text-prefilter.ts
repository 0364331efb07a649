import type { IR } from '@tanstack/db'
import { classify, hasLoneSurrogate } from './literals'
import { fieldOf } from './sql-expr'
import { andFrags, frag, type Frag } from './sql'

// TanStack DB rewrites strings with this prefix before comparing (Temporal values normalize to it).
const NORMALIZED_KEY_PREFIX = '\u0000'
// A few substrings are enough to make a scan cheap; more only lengthen the statement.
const MAX_NEEDLES = 4

/**
 * A cheap necessary condition for a request's filter, used where SQLite would otherwise evaluate the JSON
 * expressions on every row of a scan (no index serves the request).
 *
 * Every row text is `JSON.stringify` output (codec.ts; migrations and the CLI import write through it), and
 * JSON.stringify writes a string the same way wherever it appears. So when a top-level conjunct
 * `eq(field, 's')` is TRUE for a row in core (its value at the path is exactly the string 's'), the row's
 * text contains `JSON.stringify('s')`. `instr()` on the text is a byte search, several times cheaper than
 * parsing the JSON; rows without the substring cannot be in the answer. Only conjuncts of the top-level
 * `and` qualify (under `or`/`not` the row may match without them); lower()/upper() fold the value, so they
 * do not qualify either. Undefined when nothing qualifies.
 */
export function textPrefilter(where: IR.BasicExpression<boolean> | undefined): Frag | undefined {
  const needles = new Set<string>()
  collect(where, needles)
  if (needles.size === 0) return undefined
  return andFrags([...needles].slice(0, MAX_NEEDLES).map((n) => frag('instr(value, ?) > 0', [n])))
}

function collect(expr: IR.BasicExpression | undefined, needles: Set<string>): void {
  if (!expr || expr.type !== 'func') return
  if (expr.name === 'and') {
    for (const arg of expr.args) collect(arg, needles)
    return
  }
  if (expr.name !== 'eq' || expr.args.length !== 2) return
  const [left, right] = expr.args as [IR.BasicExpression, IR.BasicExpression]
  const field = fieldOf(left) ?? fieldOf(right)
  const constant = left.type === 'val' ? left : right.type === 'val' ? right : undefined
  if (!field || field.fn !== 'field' || !constant) return
  const lit = classify(constant.value)
  if (lit.kind !== 'str' || hasLoneSurrogate(lit.s) || lit.s.startsWith(NORMALIZED_KEY_PREFIX)) return
  needles.add(JSON.stringify(lit.s))
}
