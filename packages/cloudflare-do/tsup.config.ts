import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Peer dependencies (and our own workspace packages) are never bundled: two copies of
  // @tanstack/db would split transaction scope.
  external: [/^@tanstack\//, /^@persistdb\//],
})
