import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Workspace packages resolve to their TypeScript sources: no build step before tests.
    alias: {
      '@persistdb/core': src('core'),
      '@persistdb/node': src('node'),
      '@persistdb/react-native': src('react-native'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'demo/test/**/*.test.ts'],
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
