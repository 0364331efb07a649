/**
 * Hostile variants of real requests: a compromised renderer keeps PersistDB's
 * message shapes but puts SQL, paths and odd values in any one field.
 */

/** Where each value inside a message sits: object keys and array indexes from the root. */
export type FieldPath = ReadonlyArray<string | number>

/** Every path to a value inside `message` (the root excluded), depth-first. */
export function fieldPaths(message: unknown, prefix: FieldPath = []): FieldPath[] {
  if (typeof message !== 'object' || message === null) return []
  if (
    message instanceof Uint8Array ||
    message instanceof Date ||
    message instanceof Map ||
    message instanceof Set
  )
    return []
  const paths: FieldPath[] = []
  const entries: Array<[string | number, unknown]> = Array.isArray(message)
    ? message.map((v, i) => [i, v])
    : Object.entries(message)
  for (const [key, value] of entries) {
    const path = [...prefix, key]
    paths.push(path, ...fieldPaths(value, path))
  }
  return paths
}

/** A copy of `message` with the value at `path` replaced. */
export function replaceAt(message: unknown, path: FieldPath, value: unknown): unknown {
  if (path.length === 0) return value
  const [head, ...rest] = path
  if (Array.isArray(message)) return message.map((v, i) => (i === head ? replaceAt(v, rest, value) : v))
  const copy: Record<string, unknown> = { ...(message as Record<string, unknown>) }
  copy[head as string] = replaceAt(copy[head as string], rest, value)
  return copy
}

/** What an attacker puts in a field: SQL, ATTACH/PRAGMA/VACUUM INTO with a path outside, names of tables. */
export function hostileValues(outsidePath: string): unknown[] {
  return [
    `x'); DROP TABLE app_secrets; --`,
    `ATTACH DATABASE '${outsidePath}' AS evil`,
    `'; ATTACH DATABASE '${outsidePath}' AS evil; --`,
    `VACUUM INTO '${outsidePath}'`,
    'PRAGMA journal_mode=DELETE',
    'PRAGMA user_version=666',
    'app_secrets',
    'sqlite_master',
    'persistdb_meta',
    outsidePath,
    `../../${outsidePath.split('/').pop()}`,
    -1,
    2 ** 53,
    Number.NaN,
    null,
    {},
    [],
    { sql: 'SELECT * FROM app_secrets', params: [] },
  ]
}
