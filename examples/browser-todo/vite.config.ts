import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  // Workspace packages are used from their TypeScript sources (no build step for the demo).
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // wa-sqlite finds its .wasm next to its own module: keep it out of dependency pre-bundling.
  optimizeDeps: { exclude: ['@journeyapps/wa-sqlite'] },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173) },
})
