import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { tanstackAliases } from './scripts/tanstack-releases.ts'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Workspace packages resolve to their TypeScript sources: no build step before tests.
    alias: [
      // Before '@persistdb/core': the first matching entry wins.
      {
        find: '@persistdb/core/inspect',
        replacement: fileURLToPath(new URL('./packages/core/src/inspect.ts', import.meta.url)),
      },
      { find: '@persistdb/core', replacement: src('core') },
      { find: '@persistdb/node', replacement: src('node') },
      { find: '@persistdb/expo', replacement: src('expo') },
      // The version matrix (scripts/tanstack-matrix.ts) runs the suites against another @tanstack/db release.
      ...tanstackAliases(),
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'demo/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
    server: { deps: { external: ['better-sqlite3'] } },
  },
})
