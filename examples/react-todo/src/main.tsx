/**
 * Opens the collections, then renders. `?persist=off` runs the same app on
 * plain TanStack collections (nothing saved): compare a reload of each.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { openCollections } from './collections'

async function main(): Promise<void> {
  const persist = new URLSearchParams(location.search).get('persist') !== 'off'
  const { todos, shared } = await openCollections(persist)
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App todos={todos} shared={shared} />
    </StrictMode>,
  )
}

main().catch((error: unknown) => {
  document.body.textContent = `PersistDB could not start: ${error instanceof Error ? error.message : String(error)}`
  console.error(error)
})
