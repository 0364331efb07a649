/**
 * The React example's install holds exactly one @tanstack/db: @tanstack/react-db
 * 0.5.11 pins 0.15.1, and PersistDB's peer range admits it, so npm needs no
 * second copy (two copies split TanStack DB's transaction scope silently).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const example = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = join(example, '../..')

interface LsNode {
  version?: string
  dependencies?: Record<string, LsNode>
}

function versionsOf(name: string, node: LsNode, found = new Set<string>()): Set<string> {
  for (const [dep, child] of Object.entries(node.dependencies ?? {})) {
    if (dep === name && child.version) found.add(child.version)
    versionsOf(name, child, found)
  }
  return found
}

/** The directory of the @tanstack/db that code in `fromDir` imports. */
function dbSeenFrom(fromDir: string): string {
  const manifest = createRequire(join(fromDir, 'package.json')).resolve('@tanstack/db/package.json')
  return realpathSync(dirname(manifest))
}

function packageDir(name: string, fromDir: string): string {
  return realpathSync(dirname(createRequire(join(fromDir, 'package.json')).resolve(`${name}/package.json`)))
}

describe('examples/react-todo install', () => {
  it('npm ls finds one version of @tanstack/db in the whole tree', () => {
    const out = execFileSync(
      'npm',
      ['ls', '@tanstack/db', '--all', '--json', '-w', '@persistdb/example-react-todo'],
      { cwd: repoRoot, encoding: 'utf8' }, // exits non-zero (and throws) on an invalid or missing copy
    )
    const reactDb = JSON.parse(
      readFileSync(join(packageDir('@tanstack/react-db', example), 'package.json'), 'utf8'),
    )
    expect([...versionsOf('@tanstack/db', JSON.parse(out) as LsNode)]).toEqual([
      reactDb.dependencies['@tanstack/db'],
    ])
  })

  it('react-db, query-db-collection, @persistdb/browser, @persistdb/core and the app all import the same file', () => {
    const importers = [
      example,
      packageDir('@tanstack/react-db', example),
      packageDir('@tanstack/query-db-collection', example),
      packageDir('@persistdb/browser', example),
      packageDir('@persistdb/core', packageDir('@persistdb/browser', example)),
    ]
    const seen = new Set(importers.map(dbSeenFrom))
    expect([...seen]).toEqual([realpathSync(join(repoRoot, 'node_modules/@tanstack/db'))])
  })
})
