import { defaultClientConditions, defineConfig, type UserConfig } from 'vite'
import { createTodoApi, todoApiPlugin, type TodoApi } from './server/api.ts'

/** The example's Vite config around a given server API (the tests pass their own, to take it down). */
export function exampleConfig(api: TodoApi): UserConfig {
  return {
    plugins: [todoApiPlugin(api)],
    // Workspace packages are used from their TypeScript sources (no build step for the demo).
    resolve: { conditions: ['source', ...defaultClientConditions] },
    oxc: { jsx: { runtime: 'automatic' } },
    optimizeDeps: {
      // wa-sqlite finds its .wasm next to its own module: keep it out of dependency pre-bundling.
      exclude: ['@journeyapps/wa-sqlite'],
      // Listed up front so Vite never discovers one mid-session and reloads the page.
      include: [
        'react',
        'react/jsx-dev-runtime',
        'react-dom/client',
        '@tanstack/db',
        '@tanstack/react-db',
        '@tanstack/query-core',
        '@tanstack/query-db-collection',
      ],
    },
    worker: { format: 'es' },
    server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5174) },
  }
}

export default defineConfig(
  exampleConfig(
    createTodoApi([
      { id: 'welcome', text: 'This row came from the server', createdAt: Date.UTC(2026, 0, 1) },
    ]),
  ),
)
