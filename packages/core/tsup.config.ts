import { defineConfig } from 'tsup'

export default defineConfig({
  // inspect: storage internals for tools (the CLI), an entry of its own so apps never load them.
  entry: ['src/index.ts', 'src/inspect.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Peer dependencies (and our own workspace packages) are never bundled: two copies of
  // @tanstack/db would split transaction scope.
  external: [/^@tanstack\//, /^@persistdb\//, 'better-sqlite3'],
})
