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
      {
        find: '@persistdb/core/remote',
        replacement: fileURLToPath(new URL('./packages/core/src/remote/index.ts', import.meta.url)),
      },
      { find: '@persistdb/core', replacement: src('core') },
      { find: '@persistdb/node', replacement: src('node') },
      { find: '@persistdb/expo', replacement: src('expo') },
      { find: '@persistdb/react-native', replacement: src('react-native') },
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
    server: {
      deps: {
        external: ['better-sqlite3'],
        // op-sqlite's Node build (its `node` export, over better-sqlite3) imports without file
        // extensions: Vite resolves it when inlined.
        inline: ['@op-engineering/op-sqlite', 'op-sqlite-15'],
      },
    },
  },
})
