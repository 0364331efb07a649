// Bundles the three halves for Electron: main (Node, CommonJS; better-sqlite3 stays the native module
// rebuilt for Electron), preload (sandboxed: one CommonJS file that requires only 'electron'), and the page.
import { build } from 'esbuild'

const common = { bundle: true, logLevel: 'info', conditions: ['source'], sourcemap: true }
await Promise.all([
  build({
    ...common,
    entryPoints: ['src/main.ts'],
    outfile: 'dist/main.cjs',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron', 'better-sqlite3'],
  }),
  build({
    ...common,
    entryPoints: ['src/preload.ts'],
    outfile: 'dist/preload.cjs',
    platform: 'browser',
    format: 'cjs',
    target: 'chrome120',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: ['src/renderer.ts'],
    outfile: 'dist/renderer.js',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
  }),
])
