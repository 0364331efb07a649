import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Electron is a type-only peer; our own workspace packages and TanStack DB are never bundled.
  external: [/^@tanstack\//, /^@persistdb\//, 'electron'],
})
