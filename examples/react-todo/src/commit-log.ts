import { useLayoutEffect } from 'react'

/** One committed render of a list, as the user could see it. */
export interface CommitEntry {
  list: string
  /** Rows rendered; -1 when the component rendered nothing. */
  rows: number
  at: number
}

declare global {
  interface Window {
    /** Set (to an array) before the app starts to record every committed render of the lists. */
    __commitLog?: CommitEntry[]
  }
}

/**
 * Records each commit of a list component (after React updated the DOM,
 * before paint). Off unless `window.__commitLog` exists: the Chromium tests
 * create it from an init script to prove what the first paint showed.
 */
export function useCommitLog(list: string, rows: number): void {
  useLayoutEffect(() => {
    window.__commitLog?.push({ list, rows, at: performance.now() })
  })
}
