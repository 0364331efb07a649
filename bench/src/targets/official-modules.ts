/**
 * Loads the official package and the exact @tanstack/db copy it runs on. npm
 * nests that copy (0.8.x) under the package's core, away from our 0.15, so it
 * is resolved from there: a second copy would split TanStack DB's state.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { DbModule } from '../collection-ops'

export interface OfficialModule {
  createNodeSQLitePersistence(options: { database: unknown }): unknown
  persistedCollectionOptions(options: Record<string, unknown>): object
}

export interface OfficialModules {
  official: OfficialModule
  db: DbModule
  versions: { official: string; db: string }
}

function packageDir(specifier: string, from: string): string {
  return dirname(createRequire(from).resolve(`${specifier}/package.json`))
}

function version(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
}

function dirs(): { officialDir: string; dbDir: string } {
  const officialDir = packageDir('@tanstack/node-db-sqlite-persistence', import.meta.url)
  const coreDir = packageDir('@tanstack/db-sqlite-persistence-core', join(officialDir, 'package.json'))
  return { officialDir, dbDir: packageDir('@tanstack/db', join(coreDir, 'package.json')) }
}

/** The installed versions, without loading the package. */
export function officialVersions(): { official: string; db: string } {
  const { officialDir, dbDir } = dirs()
  return { official: version(officialDir), db: version(dbDir) }
}

export async function loadOfficial(): Promise<OfficialModules> {
  const { officialDir, dbDir } = dirs()
  const dbVersion = version(dbDir)
  if (!dbVersion.startsWith('0.8.') && !dbVersion.startsWith('0.9.')) {
    throw new Error(`the official package resolved @tanstack/db ${dbVersion}, not the 0.8/0.9 it pins`)
  }
  const official = (await import('@tanstack/node-db-sqlite-persistence')) as unknown as OfficialModule
  const db = (await import(pathToFileURL(join(dbDir, 'dist/esm/index.js')).href)) as DbModule
  return { official, db, versions: { official: version(officialDir), db: dbVersion } }
}
