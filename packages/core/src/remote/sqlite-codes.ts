/**
 * SQLite's primary result codes by name (sqlite3.h), so an engine error that
 * crosses a remote boundary carries `SQLITE_CONSTRAINT`, as other drivers
 * report it, rather than the bare number a WASM build throws. Kept here, not
 * imported from an engine: envelopes are built where no engine is loaded.
 */
const PRIMARY_CODES = [
  'OK',
  'ERROR',
  'INTERNAL',
  'PERM',
  'ABORT',
  'BUSY',
  'LOCKED',
  'NOMEM',
  'READONLY',
  'INTERRUPT',
  'IOERR',
  'CORRUPT',
  'NOTFOUND',
  'FULL',
  'CANTOPEN',
  'PROTOCOL',
  'EMPTY',
  'SCHEMA',
  'TOOBIG',
  'CONSTRAINT',
  'MISMATCH',
  'MISUSE',
  'NOLFS',
  'AUTH',
  'FORMAT',
  'RANGE',
  'NOTADB',
  'NOTICE',
  'WARNING',
] as const

/** `SQLITE_<NAME>` for a primary result code; an extended one keeps its number (`SQLITE_2067`). */
export function sqliteCodeName(code: number): string {
  const name = Number.isInteger(code) ? PRIMARY_CODES[code] : undefined
  return `SQLITE_${name ?? code}`
}
