/**
 * The @tanstack/db releases PersistDB is tested against (tanstack-matrix/releases.json),
 * the peer range that says so, and how a test run is pointed at one of them.
 * The repository's own install is one release; each other one is installed on its own
 * in tanstack-matrix/db-<version>/ and selected with PERSISTDB_TANSTACK_DIR.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface TanstackRelease {
  db: string
  /** The @tanstack/query-db-collection release that depends on exactly this @tanstack/db. */
  queryDbCollection: string
}

export const repoRoot = fileURLToPath(new URL('..', import.meta.url))
export const matrixRoot = join(repoRoot, 'tanstack-matrix')
export const releasesFile = join(matrixRoot, 'releases.json')

/** The packages a matrix run takes from the selected release's install. */
export const TANSTACK_PACKAGES = [
  '@tanstack/db',
  '@tanstack/query-db-collection',
  '@tanstack/query-core',
] as const

/** The packages whose `@tanstack/db` peer range must cover exactly the tested releases. */
export const PEER_PACKAGES = [
  'packages/core',
  'packages/node',
  'packages/browser',
  'packages/react-native',
] as const

export function readReleases(): TanstackRelease[] {
  return JSON.parse(readFileSync(releasesFile, 'utf8')) as TanstackRelease[]
}

export function releaseDir(db: string): string {
  return join(matrixRoot, `db-${db}`)
}

function parse(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version)
  if (!match) throw new Error(`expected a plain x.y.z release, got ${version}`)
  return [Number(match[1]), Number(match[2]), Number(match[3])]
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parse(a), parse(b)]
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}

/**
 * From the oldest tested release up to, not including, the next breaking line after the
 * newest (for 0.x that is the next minor): `>=0.15.1 <0.16`.
 */
export function peerRange(releases: TanstackRelease[]): string {
  const sorted = releases.map((r) => r.db).sort(compareVersions)
  const [major, minor] = parse(sorted[sorted.length - 1]!)
  const ceiling = major === 0 ? `0.${minor + 1}` : `${major + 1}`
  return `>=${sorted[0]} <${ceiling}`
}

/** The install a test run takes @tanstack/db from: a matrix release directory, or the repository's own. */
export function tanstackDir(): string | undefined {
  return process.env.PERSISTDB_TANSTACK_DIR || undefined
}

/**
 * Vite/Vitest aliases sending each package (and its subpaths) to the selected release's install.
 * The bare name goes to the package's ESM entry file: an alias to the package directory would
 * load its CommonJS build, a second copy beside the ESM one its dependents import.
 */
export function tanstackAliases(): Array<{ find: RegExp; replacement: string }> {
  const dir = tanstackDir()
  if (!dir) return []
  return TANSTACK_PACKAGES.flatMap((name) => {
    const packageDir = join(dir, 'node_modules', name)
    const escaped = name.replace('/', '\\/')
    return [
      { find: new RegExp(`^${escaped}$`), replacement: join(packageDir, esmEntry(packageDir)) },
      { find: new RegExp(`^${escaped}/`), replacement: `${packageDir}/` },
    ]
  })
}

function esmEntry(packageDir: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    exports?: { '.'?: { import?: { default?: string } } }
    module?: string
  }
  const entry = manifest.exports?.['.']?.import?.default ?? manifest.module
  if (!entry) throw new Error(`${packageDir} has no ESM entry`)
  return entry
}
