import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TempDir {
  readonly dir: string
  /** A path in the directory (`defaultName` when no name is given). */
  file(name?: string): string
  /** Removes the directory and everything in it. */
  cleanup(): void
}

/** A temporary directory for database files, shared by every runtime's tests. */
export function tempDir(prefix = 'persistdb-', defaultName = 'db.sqlite'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    file: (name = defaultName) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}
