import { defineConfig } from 'tsup'

export default defineConfig({
  // The worker is its own entry: bundlers start it with new URL('./worker.js', import.meta.url).
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm', 'cjs'],
  esbuildOptions(options, { format }) {
    // CommonJS has no import.meta: there the default worker is unavailable and `worker` must be passed.
    if (format === 'cjs') options.define = { ...options.define, 'import.meta.url': 'undefined' }
  },
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Peer dependencies (and our own workspace packages) are never bundled: two copies of
  // @tanstack/db would split transaction scope; wa-sqlite's WASM must be served by the app's bundler.
  external: [/^@tanstack\//, /^@persistdb\//, /^@journeyapps\/wa-sqlite/],
})
