/**
 * Bundles a test Worker for Miniflare: workspace packages from their
 * TypeScript sources (the `source` export condition), `cloudflare:*` modules
 * left to workerd.
 */
import { build } from 'esbuild'

export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['source', 'workerd', 'worker', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}
