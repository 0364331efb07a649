import { IR, and, eq, gt, type LoadSubsetOptions } from '@tanstack/db'
import { describe, expect, it } from 'vitest'
import { coverageOf, covers } from '../src/subset-coverage'

/** Which later requests a loaded page or read answers without reading the file (subset-coverage.ts). */
const ref = (...path: string[]) => new IR.PropRef(path)
const desc = { direction: 'desc', nulls: 'first' } as const
const where = and(eq(ref('meta', 'category'), 'c3'), gt(ref('score'), 500))
const page: LoadSubsetOptions = {
  where,
  orderBy: [{ expression: ref('score'), compareOptions: desc }],
  limit: 50,
}
const boundary = (value: unknown, field = ref('score'), base = where): LoadSubsetOptions => ({
  where: and(base, eq(field, value)),
})

describe('subset coverage', () => {
  const coverage = coverageOf(page, [990, 980.5, 980.5, 'x'])!

  it('a page answers the boundary request for each of its leading values, and no other', () => {
    expect(covers(coverage, boundary(990))).toBe(true)
    expect(covers(coverage, boundary(980.5))).toBe(true)
    expect(covers(coverage, boundary(970))).toBe(false)
    expect(covers(coverage, boundary('x'))).toBe(true)
    expect(covers(coverage, boundary('990'))).toBe(false)
  })

  it('only for the same filter and the ordered field', () => {
    expect(covers(coverage, boundary(990, ref('other')))).toBe(false)
    expect(covers(coverage, boundary(990, ref('score'), gt(ref('score'), 500)))).toBe(false)
    expect(covers(coverage, { where })).toBe(false)
  })

  it('never for ordered, limited, offset or cursor requests, nor for values core matches more widely', () => {
    expect(covers(coverage, { ...boundary(990), limit: 10 })).toBe(false)
    expect(covers(coverage, { ...boundary(990), offset: 1 })).toBe(false)
    expect(covers(coverage, { ...boundary(990), orderBy: page.orderBy })).toBe(false)
    expect(covers(coverage, { ...boundary(990), cursor: { whereFrom: where, whereCurrent: where } })).toBe(
      false,
    )
    // A Date equals a number of ms in core: not a plain value of the page.
    expect(covers(coverage, boundary(new Date(990)))).toBe(false)
    expect(covers(coverageOf(page, [NaN])!, boundary(NaN))).toBe(false)
  })

  it('a read covers every value of its filter; a cursor page covers nothing', () => {
    const read = coverageOf({ where }, 'all')!
    expect(covers(read, boundary(1))).toBe(true)
    expect(covers(read, boundary('anything', ref('title')))).toBe(true)
    expect(covers(read, boundary(1, ref('score'), gt(ref('score'), 1)))).toBe(false)
    expect(coverageOf({ ...page, cursor: { whereFrom: where, whereCurrent: where } }, [990])).toBeUndefined()
  })
})
