import type { SQLiteValue } from '../driver'

/** A piece of SQL with its positional parameters, kept together so fragments compose in order. */
export interface Frag {
  readonly sql: string
  readonly params: readonly SQLiteValue[]
}

export function frag(sql: string, params: readonly SQLiteValue[] = []): Frag {
  return { sql, params }
}

export const TRUE_SQL: Frag = frag('1')

/** Joins fragments with a separator, each wrapped in parentheses. */
export function joinFrags(parts: readonly Frag[], separator: string): Frag {
  if (parts.length === 1) return parts[0]!
  return {
    sql: parts.map((p) => `(${p.sql})`).join(separator),
    params: parts.flatMap((p) => p.params),
  }
}

export function andFrags(parts: readonly Frag[]): Frag {
  return parts.length === 0 ? TRUE_SQL : joinFrags(parts, ' AND ')
}

export function orFrags(parts: readonly Frag[]): Frag {
  return parts.length === 0 ? frag('0') : joinFrags(parts, ' OR ')
}

export function notFrag(part: Frag): Frag {
  return { sql: `NOT (${part.sql})`, params: part.params }
}

/** A SQL string literal. Single quotes are doubled; nothing else is special inside one. */
export function sqlString(text: string): string {
  if (text.includes('\u0000')) throw new Error('NUL cannot appear in a SQL literal')
  return `'${text.replaceAll("'", "''")}'`
}

/** A SQL blob literal (hex only, so it can never break out). */
export function sqlBlob(bytes: string): string {
  let hex = ''
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes.charCodeAt(i)
    if (code > 0xff) throw new Error('blob literals take byte strings')
    hex += code.toString(16).padStart(2, '0').toUpperCase()
  }
  return `X'${hex}'`
}

const ROWS_TABLE = /^"persistdb_c(\d+)_rows"$/

/** The collection number of a rows table name (schema.ts `rowsTable`); anything else is refused. */
export function checkRowsTable(table: string): number {
  const match = ROWS_TABLE.exec(table)
  if (!match) throw new Error(`not a PersistDB rows table: ${JSON.stringify(table)}`)
  return Number(match[1])
}
