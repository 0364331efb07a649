import { useCallback, useState } from 'react'

interface Persistable {
  isPersisted: { promise: Promise<unknown> }
}

/**
 * Tracks the app's writes until they are on disk (a transaction's
 * `isPersisted` resolves once PersistDB has committed it to SQLite), so the
 * page can say "Saved" truthfully.
 */
export function useSaveStatus() {
  const [pending, setPending] = useState(0)
  const [saved, setSaved] = useState(0)
  const [error, setError] = useState<string>()
  const track = useCallback((transaction: Persistable) => {
    setPending((n) => n + 1)
    transaction.isPersisted.promise
      .then(
        () => {
          setSaved((n) => n + 1)
          setError(undefined)
        },
        (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
      )
      .finally(() => setPending((n) => n - 1))
  }, [])
  const text = error ? `Could not save: ${error}` : pending > 0 ? 'Saving…' : 'All changes saved.'
  const view = (
    <p className={error ? 'error' : 'status'} id="save-status" data-saved={saved}>
      {text}
    </p>
  )
  return { track, view }
}
