import { DriverResultError, type SQLiteEngineRow } from '@persistdb/core'

/**
 * Reads the rows out of an op-sqlite query result, whatever shape the
 * installed version gives:
 *
 * - `rows` as an array of objects keyed by column name (op-sqlite 9 to 18;
 *   `executeWithHostObjects` rows are objects too);
 * - `rows._array` (the WebSQL-style result of op-sqlite before 6 and of
 *   react-native-quick-sqlite, which a migrating app may still hand over);
 * - `rawRows` with `columnNames` and no `rows` (what op-sqlite's native side
 *   returns before its JS layer builds objects, and `executeRaw` in 18);
 * - `rows` as arrays of values with `columnNames` or `metadata` naming them
 *   (a columnar result).
 *
 * Anything else is refused with DriverResultError: a result this function
 * cannot read is never taken for "no rows".
 */
export function readRows(result: unknown, sql: string): readonly SQLiteEngineRow[] {
  if (typeof result !== 'object' || result === null) {
    throw unknownShape(`${result === null ? 'null' : typeof result}`, sql)
  }
  const { rows, rawRows } = result as { rows?: unknown; rawRows?: unknown }
  if (Array.isArray(rows)) {
    if (rows.length === 0 || !Array.isArray(rows[0])) return rows as SQLiteEngineRow[]
    return zipRows(rows, columnNamesOf(result, sql), sql)
  }
  if (rows !== undefined && rows !== null && typeof rows === 'object') {
    const array = (rows as { _array?: unknown })._array
    if (Array.isArray(array)) return array as SQLiteEngineRow[]
    throw unknownShape(`a \`rows\` object without \`_array\` (keys: ${keysOf(rows)})`, sql)
  }
  if (rows === undefined && Array.isArray(rawRows)) return zipRows(rawRows, columnNamesOf(result, sql), sql)
  throw unknownShape(`an object without readable rows (keys: ${keysOf(result)})`, sql)
}

function zipRows(rows: readonly unknown[], names: readonly string[], sql: string): SQLiteEngineRow[] {
  return rows.map((values, i) => {
    if (!Array.isArray(values) || values.length !== names.length) {
      throw unknownShape(
        `row ${i} as ${Array.isArray(values) ? `${values.length} values` : typeof values} for ${names.length} columns`,
        sql,
      )
    }
    const row: Record<string, unknown> = {}
    for (let j = 0; j < names.length; j++) row[names[j]!] = values[j]
    return row
  })
}

function columnNamesOf(result: object, sql: string): readonly string[] {
  const { columnNames, metadata } = result as { columnNames?: unknown; metadata?: unknown }
  if (Array.isArray(columnNames) && columnNames.every((n) => typeof n === 'string')) return columnNames
  if (Array.isArray(metadata)) {
    const names = metadata.map((m) => (m as { name?: unknown } | null)?.name)
    if (names.every((n): n is string => typeof n === 'string')) return names
  }
  throw unknownShape('rows as arrays of values with no column names', sql)
}

function unknownShape(what: string, sql: string): DriverResultError {
  return new DriverResultError(
    `op-sqlite returned ${what} for \`${sql.length > 80 ? `${sql.slice(0, 77)}...` : sql}\`; ` +
      `@persistdb/react-native reads op-sqlite 15 to 18. Check the installed @op-engineering/op-sqlite version.`,
  )
}

function keysOf(value: object): string {
  const keys = Object.keys(value)
  return keys.length === 0 ? 'none' : keys.slice(0, 8).join(', ')
}
