/**
 * The @tanstack/db version matrix (run with tsx):
 *
 *   tsx scripts/tanstack-matrix.ts run [<db version>...]   run the matrix suites against every listed release
 *                                                          but the one the repository installs (npm test covers it)
 *   tsx scripts/tanstack-matrix.ts add <db version>        add a release in one step: finds the query-db-collection
 *                                                          built on it, writes tanstack-matrix/db-<version>/ with its
 *                                                          lockfile, lists it, and widens the peer ranges to match
 *
 * Each release other than the repository's own is installed from its lockfile with `npm ci` in its
 * own directory; PERSISTDB_TANSTACK_DIR points Vitest (and the browser harness's bundler) at it.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  compareVersions,
  PEER_PACKAGES,
  peerRange,
  readReleases,
  releaseDir,
  releasesFile,
  repoRoot,
  type TanstackRelease,
} from './tanstack-releases'

/**
 * What runs against each extra release: every core and Node test and one browser suite (synced
 * collections across tabs), with the randomized loops at about a third of their `npm test` length
 * (the installed release runs them in full). Variables already set win.
 */
const REDUCED_LOOPS = {
  PERSISTDB_CRASH_TRIALS: '4',
  PERSISTDB_MODEL_RUNS: '20',
  PERSISTDB_DIFF_RUNS: '40',
  PERSISTDB_QUERY_RUNS: '100',
}

export const MATRIX_SUITES = [
  'packages/core/test',
  'packages/node/test',
  'packages/browser/test/synced-tabs.test.ts',
]

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))
const writeJson = (path: string, value: unknown) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

function rootRelease(): string {
  return readJson(join(repoRoot, 'package.json')).devDependencies['@tanstack/db'] as string
}

function installed(dir: string, db: string): boolean {
  const manifest = join(dir, 'node_modules/@tanstack/db/package.json')
  return existsSync(manifest) && readJson(manifest).version === db
}

function run(only: string[]): void {
  const releases = readReleases().filter(
    (r) => r.db !== rootRelease() && (only.length === 0 || only.includes(r.db)),
  )
  const failed: string[] = []
  for (const release of releases) {
    const dir = releaseDir(release.db)
    if (!installed(dir, release.db) || process.env.CI) {
      console.log(`[tanstack-matrix] npm ci in ${dir}`)
      npm(['ci', '--no-audit', '--no-fund'], dir)
    }
    console.log(
      `[tanstack-matrix] @tanstack/db ${release.db} + query-db-collection ${release.queryDbCollection}`,
    )
    const result = spawnSync(
      'npx',
      ['vitest', 'run', '--project', 'node', ...MATRIX_SUITES, 'packages/core/test/tanstack-release.test.ts'],
      {
        cwd: repoRoot,
        stdio: 'inherit',
        env: {
          ...REDUCED_LOOPS,
          ...process.env,
          PERSISTDB_TANSTACK_DIR: dir,
          PERSISTDB_TANSTACK_DB: release.db,
        },
      },
    )
    if (result.status !== 0) failed.push(release.db)
  }
  if (failed.length > 0) {
    console.error(`[tanstack-matrix] failed against @tanstack/db ${failed.join(', ')}`)
    process.exit(1)
  }
  console.log(
    `[tanstack-matrix] passed against @tanstack/db ${releases.map((r) => r.db).join(', ') || '(none extra)'}`,
  )
}

/** The newest query-db-collection release whose @tanstack/db dependency is exactly `db`. */
function matchingQueryCollection(db: string): string {
  const versions = (
    JSON.parse(npm(['view', '@tanstack/query-db-collection', 'versions', '--json'], repoRoot)) as string[]
  )
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort(compareVersions)
    .reverse()
  // Newest first, and only the recent ones: a match is near the top or does not exist.
  for (const version of versions.slice(0, 20)) {
    const out = npm(['view', `@tanstack/query-db-collection@${version}`, 'dependencies', '--json'], repoRoot)
    const deps = (out.trim() ? JSON.parse(out) : {}) as Record<string, string>
    if (deps['@tanstack/db'] === db) return version
  }
  throw new Error(`no recent @tanstack/query-db-collection release depends on @tanstack/db ${db}`)
}

function add(db: string): void {
  if (!/^\d+\.\d+\.\d+$/.test(db)) throw new Error(`usage: tanstack-matrix add <x.y.z>, got ${db}`)
  const releases = readReleases()
  if (releases.some((r) => r.db === db)) throw new Error(`@tanstack/db ${db} is already listed`)
  npm(['view', `@tanstack/db@${db}`, 'version'], repoRoot) // fails if there is no such release
  const release: TanstackRelease = { db, queryDbCollection: matchingQueryCollection(db) }
  const dir = releaseDir(db)
  mkdirSync(dir, { recursive: true })
  const queryCore = readJson(join(repoRoot, 'package.json')).devDependencies['@tanstack/query-core'] as string
  writeJson(join(dir, 'package.json'), {
    name: `persistdb-tanstack-db-${db}`,
    private: true,
    description:
      'The @tanstack/db release the version matrix runs the suites against (see scripts/tanstack-matrix.ts)',
    dependencies: {
      '@tanstack/db': db,
      '@tanstack/query-core': queryCore,
      '@tanstack/query-db-collection': release.queryDbCollection,
    },
  })
  npm(['install', '--package-lock-only', '--no-audit', '--no-fund'], dir)
  const next = [...releases, release].sort((a, b) => compareVersions(a.db, b.db))
  writeJson(releasesFile, next)
  const range = peerRange(next)
  for (const pkg of PEER_PACKAGES) {
    const path = join(repoRoot, pkg, 'package.json')
    const manifest = readJson(path)
    manifest.peerDependencies['@tanstack/db'] = range
    writeJson(path, manifest)
  }
  console.log(
    `[tanstack-matrix] added @tanstack/db ${db} with query-db-collection ${release.queryDbCollection}; ` +
      `peer range now ${range}. Run \`npm run test:tanstack-matrix -- ${db}\`, then commit ` +
      `tanstack-matrix/ and the packages' package.json files.`,
  )
}

const [command, ...args] = process.argv.slice(2)
if (command === 'run') run(args)
else if (command === 'add' && args.length === 1) add(args[0]!)
else {
  console.error('usage: tsx scripts/tanstack-matrix.ts run [<db version>...] | add <db version>')
  process.exit(2)
}
