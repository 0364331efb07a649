import type { SQLiteLimits } from '../driver'
import type { PagePlan, ReadPlan, Statement } from './subset-plan'

/**
 * Whether every statement a plan may run stays within the driver's declared limits (bound parameters and
 * statement bytes). The page and ties statements get their LIMIT/OFFSET and key parameters at run time.
 */
export function fits(plan: ReadPlan | PagePlan, limits: SQLiteLimits): boolean {
  const within = (s: Statement | undefined, extra = 0) =>
    !s ||
    (s.params.length + extra <= limits.maxParameters && statementBytes(s.sql) <= limits.maxStatementBytes)
  if (plan.kind === 'read') return within(plan.statement)
  return (
    within(plan.page, 2) &&
    within(plan.nulls) &&
    within(plan.nullCount) &&
    within(plan.ties, 1) &&
    within(plan.current) &&
    within(plan.fallback.statement) &&
    within(plan.scan?.scan)
  )
}

const utf8 = new TextEncoder()

/** UTF-8 bytes of a statement's text, what the driver's `maxStatementBytes` counts. */
export function statementBytes(sql: string): number {
  return utf8.encode(sql).length
}
