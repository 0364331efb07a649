/**
 * The @tanstack/db release under test is the one asked for (the repository's
 * own install, or the version matrix's PERSISTDB_TANSTACK_DB), and the peer
 * ranges say exactly which releases are tested.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createCollection } from '@tanstack/db'
import { describe, expect, it } from 'vitest'
import dbPackage from '@tanstack/db/package.json'
import queryCollectionPackage from '@tanstack/query-db-collection/package.json'
import {
  PEER_PACKAGES,
  peerRange,
  readReleases,
  repoRoot,
  tanstackDir,
} from '../../../scripts/tanstack-releases'

const readJson = (path: string) => JSON.parse(readFileSync(join(repoRoot, path), 'utf8'))
const releases = readReleases()

describe('@tanstack/db releases', () => {
  it('the suites run against the release asked for, with the query-db-collection built on it', () => {
    const root = readJson('package.json')
    const asked = process.env.PERSISTDB_TANSTACK_DB ?? root.devDependencies['@tanstack/db']
    expect(dbPackage.version).toBe(asked)
    const release = releases.find((r) => r.db === asked)
    expect(release, `${asked} is listed in tanstack-matrix/releases.json`).toBeDefined()
    expect(queryCollectionPackage.version).toBe(release!.queryDbCollection)
    expect(queryCollectionPackage.dependencies['@tanstack/db']).toBe(asked)
  })

  it('the code under test imports that install of @tanstack/db, not another copy', async () => {
    const install = join(tanstackDir() ?? repoRoot, 'node_modules/@tanstack/db/dist/esm/index.js')
    const loaded = (await import(pathToFileURL(install).href)) as { createCollection: unknown }
    expect(loaded.createCollection).toBe(createCollection)
  })

  it("each package's peer range spans exactly the tested releases", () => {
    expect(
      peerRange([
        { db: '0.15.2', queryDbCollection: '' },
        { db: '0.15.1', queryDbCollection: '' },
      ]),
    ).toBe('>=0.15.1 <0.16')
    expect(peerRange([{ db: '1.2.0', queryDbCollection: '' }])).toBe('>=1.2.0 <2')
    for (const dir of PEER_PACKAGES) {
      expect(readJson(`${dir}/package.json`).peerDependencies['@tanstack/db'], dir).toBe(peerRange(releases))
    }
  })
})
