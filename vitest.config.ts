import { fileURLToPath } from 'node:url'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { configDefaults, defineConfig } from 'vitest/config'
import { tanstackAliases } from './scripts/tanstack-releases.ts'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// Workspace packages resolve to their TypeScript sources: no build step before tests.
const alias = [
  // Before '@persistdb/core': the first matching entry wins.
  {
    find: '@persistdb/core/inspect',
    replacement: fileURLToPath(new URL('./packages/core/src/inspect.ts', import.meta.url)),
  },
  {
    find: '@persistdb/core/remote',
    replacement: fileURLToPath(new URL('./packages/core/src/remote/index.ts', import.meta.url)),
  },
  { find: '@persistdb/core', replacement: src('core') },
  { find: '@persistdb/node', replacement: src('node') },
  { find: '@persistdb/expo', replacement: src('expo') },
  { find: '@persistdb/react-native', replacement: src('react-native') },
  { find: '@persistdb/cloudflare-do', replacement: src('cloudflare-do') },
  // The version matrix (scripts/tanstack-matrix.ts) runs the suites against another @tanstack/db release.
  ...tanstackAliases(),
]

/** Suites that run inside real workerd (Durable Objects), in their own project and pool. */
const WORKERD_TESTS = 'packages/*/test/**/*.workerd.test.ts'

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          include: [
            'packages/*/test/**/*.test.ts',
            'demo/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'bench/test/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, WORKERD_TESTS],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
          server: {
            deps: {
              external: ['better-sqlite3'],
              // op-sqlite's Node build (its `node` export, over better-sqlite3) imports without file
              // extensions: Vite resolves it when inlined.
              inline: ['@op-engineering/op-sqlite', 'op-sqlite-15'],
            },
          },
        },
      },
      {
        resolve: { alias },
        plugins: [
          cloudflareTest({
            main: './packages/cloudflare-do/test/workerd/test-worker.ts',
            miniflare: {
              compatibilityDate: '2026-04-01',
              compatibilityFlags: ['nodejs_compat'],
              durableObjects: {
                OBJECTS: { className: 'TestObject', useSQLite: true },
                NOTES: { className: 'NotesObject', useSQLite: true },
              },
            },
          }),
        ],
        test: {
          name: 'workerd',
          include: [WORKERD_TESTS],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
