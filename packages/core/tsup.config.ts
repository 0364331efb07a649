import { defineConfig } from 'tsup'

export default defineConfig({
  // inspect: storage internals for tools (the CLI), an entry of its own so apps never load them.
  // remote: operations across a process boundary (Electron, servers).
  entry: { index: 'src/index.ts', inspect: 'src/inspect.ts', 'remote/index': 'src/remote/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Peer dependencies (and our own workspace packages) are never bundled: two copies of
  // @tanstack/db would split transaction scope.
  external: [/^@tanstack\//, /^@persistdb\//, 'better-sqlite3'],
})
