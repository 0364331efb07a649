import { fieldIndexDefinition, type IndexDefinition } from './indexes'
import { jsonSteps } from './json-path'
import type { FieldFn } from './sql-expr'

/**
 * Persisted indexes read back from `sqlite_master`, for tools (the inspector CLI): which field an index
 * covers, and whether its SQL is exactly what this build would create for that field. Nothing is parsed
 * beyond the JSON path: the field found there is turned back into DDL by the same code that creates
 * indexes, and the two texts must be equal.
 */
export interface IndexedField {
  readonly fn: FieldFn
  readonly path: readonly string[]
}

export type StoredIndex =
  | { readonly ok: true; readonly name: string; readonly field: IndexedField }
  | { readonly ok: false; readonly name: string; readonly problem: string }

/** The index definition for a field, or undefined when SQLite cannot read that path exactly. */
export function fieldIndex(table: string, field: IndexedField): IndexDefinition | undefined {
  const steps = jsonSteps(field.path)
  return steps && fieldIndexDefinition(table, { fn: field.fn, path: field.path, steps })
}

// The field's own path literal is the one json_type() tests for booleans (sql-expr.ts valueSql).
const PATH_LITERAL = /json_type\(value, '((?:[^']|'')*)'\) WHEN 'true'/
const CASE_FN = /^\(CASE WHEN typeof\(.*\) = 'text' THEN (lower|upper)\(/s

/** Checks one stored index (`name` and `sql` from sqlite_master) of `table` against its definition. */
export function readStoredIndex(table: string, name: string, sql: string | null): StoredIndex {
  const bad = (problem: string): StoredIndex => ({ ok: false, name, problem })
  if (sql === null) return bad('has no SQL text (an automatic index under a PersistDB name)')
  const open = sql.indexOf(`ON ${table} (`)
  const literal = PATH_LITERAL.exec(sql)
  if (open < 0) return bad(`is not on ${table}`)
  if (!literal) return bad('is not on a field expression PersistDB creates')
  const path = parsePath(literal[1]!.replaceAll("''", "'"))
  if (!path) return bad(`reads a JSON path PersistDB never writes (${literal[1]})`)
  const expr = sql.slice(open + table.length + 5)
  const fn = (CASE_FN.exec(expr)?.[1] as 'lower' | 'upper' | undefined) ?? 'field'
  const field: IndexedField = { fn, path }
  const def = fieldIndex(table, field)
  if (!def) return bad(`covers a path PersistDB does not index (${literal[1]})`)
  // sqlite_master keeps the statement as written, minus IF NOT EXISTS. The name is compared on its own.
  const expected = def.sql.replace('CREATE INDEX IF NOT EXISTS ', 'CREATE INDEX ').replace(def.name, name)
  if (expected !== sql) {
    return bad(`does not match the definition of ${describeField(field)} (its SQL was changed)`)
  }
  if (def.name !== name) return bad(`is named ${name}; its definition is named ${def.name}`)
  return { ok: true, name, field }
}

/** `title`, `meta.priority`, `lower(title)`: how the CLI names an indexed field. */
export function describeField(field: IndexedField): string {
  const path = field.path.join('.')
  return field.fn === 'field' ? path : `${field.fn}(${path})`
}

/** `$."a".b` back to ["a", "b"] (json-path.ts jsonStep: quoted segments hold no `"`, bare ones no `.`). */
function parsePath(text: string): string[] | undefined {
  if (!text.startsWith('$')) return undefined
  const path: string[] = []
  let at = 1
  while (at < text.length) {
    if (text[at] !== '.') return undefined
    if (text[at + 1] === '"') {
      const end = text.indexOf('"', at + 2)
      if (end < 0) return undefined
      path.push(text.slice(at + 2, end))
      at = end + 1
    } else {
      const next = text.indexOf('.', at + 1)
      const end = next < 0 ? text.length : next
      path.push(text.slice(at + 1, end))
      at = end
    }
  }
  return path.length > 0 ? path : undefined
}
