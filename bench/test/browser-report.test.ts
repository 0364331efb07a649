/** The browser section of bench/RESULTS.md is replaced by each `--browser` run and kept by the Node run. */
import { describe, expect, it } from 'vitest'
import { browserSectionOf, END_MARKER, spliceBrowserSection } from '../src/browser/report'

const node = '# PersistDB benchmark results\n\n## Times\n\n| a | b |\n'
const section = (figures: string) => `## Browser\n\n${figures}\n\n${END_MARKER}`

describe('the browser section of RESULTS.md', () => {
  it('is appended after the Node sections when the file has none', () => {
    expect(spliceBrowserSection(node, section('v1'))).toBe(`${node}\n${section('v1')}\n`)
  })

  it('replaces only the generated figures: the notes after the marker and the Node sections stay', () => {
    const file = `${node}\n${section('v1')}\n\n### Targets for the next round\n\nnotes\n`
    const next = spliceBrowserSection(file, section('v2'))
    expect(next).toBe(`${node}\n${section('v2')}\n\n### Targets for the next round\n\nnotes\n`)
  })

  it('is found for the Node run to keep, from its heading to the end of the file', () => {
    const file = `${node}\n${section('v1')}\nnotes\n`
    expect(browserSectionOf(file)).toBe(`${section('v1')}\nnotes\n`)
    expect(browserSectionOf(node)).toBeUndefined()
  })
})
