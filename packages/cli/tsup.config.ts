import { defineConfig } from 'tsup'

// better-sqlite3 is the user's (a peer); our own packages are never bundled.
const external = [/^@persistdb\//, 'better-sqlite3', 'commander']

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    external,
  },
  {
    // The command: ESM only (top-level await), run by Node through package.json `bin`.
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    external,
  },
])
