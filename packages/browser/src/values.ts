/**
 * Values in and out of wa-sqlite exactly. Its convenience wrappers lose data,
 * silently (found by the driver contract suite): `bind_text` ends a string at
 * its first NUL (it binds with length -1), `bind_blob` binds an empty
 * Uint8Array as NULL (a 0-byte allocation is a null pointer), `column_text`
 * ends at the first NUL, and `column_blob` returns a view into WASM memory
 * that the next step overwrites (and memory growth empties).
 */
import * as SQLite from '@journeyapps/wa-sqlite'
import type { SQLiteValue } from '@persistdb/core'

export type SQLiteAPI = ReturnType<typeof SQLite.Factory>

/** The Emscripten module exports used here; both wa-sqlite builds (sync and Asyncify) have them. */
export interface WasmExports {
  readonly HEAPU8: Uint8Array
  _sqlite3_malloc(bytes: number): number
  _sqlite3_bind_text(stmt: number, index: number, pointer: number, bytes: number, destructor: number): number
  _sqlite3_bind_zeroblob(stmt: number, index: number, bytes: number): number
  _getSqliteFree(): number
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()

export function bindValues(
  sqlite3: SQLiteAPI,
  wasm: WasmExports,
  stmt: number,
  params: readonly SQLiteValue[],
): void {
  params.forEach((value, index) => {
    const i = index + 1
    if (typeof value === 'number') {
      // Integers bind as INTEGER (as better-sqlite3 does), everything else as REAL.
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
        if ((value | 0) === value) sqlite3.bind_int(stmt, i, value)
        else sqlite3.bind_int64(stmt, i, BigInt(value))
      } else sqlite3.bind_double(stmt, i, value)
    } else if (typeof value === 'bigint') sqlite3.bind_int64(stmt, i, value)
    else if (typeof value === 'string') {
      if (value.includes('\u0000')) bindTextWithNul(wasm, stmt, i, value)
      else sqlite3.bind_text(stmt, i, value)
    } else if (value instanceof Uint8Array) {
      if (value.byteLength === 0) checked(wasm._sqlite3_bind_zeroblob(stmt, i, 0), 'sqlite3_bind_zeroblob')
      else sqlite3.bind_blob(stmt, i, value)
    } else if (value === null) sqlite3.bind_null(stmt, i)
    else throw new TypeError(`Cannot bind a ${typeof value} as SQL parameter ${i}`)
  })
}

/** Binds the string's full UTF-8 length; SQLite frees the copy (sqlite3_free as destructor). */
function bindTextWithNul(wasm: WasmExports, stmt: number, i: number, text: string): void {
  const bytes = utf8Encoder.encode(text)
  const pointer = wasm._sqlite3_malloc(bytes.byteLength)
  if (pointer === 0) throw new SQLite.SQLiteError('out of memory binding a string', SQLite.SQLITE_NOMEM)
  wasm.HEAPU8.set(bytes, pointer)
  checked(
    wasm._sqlite3_bind_text(stmt, i, pointer, bytes.byteLength, wasm._getSqliteFree()),
    'sqlite3_bind_text',
  )
}

function checked(code: number, call: string): void {
  if (code !== SQLite.SQLITE_OK) throw new SQLite.SQLiteError(`${call} failed (code ${code})`, code)
}

/** Column `c` of the current row, copied out of WASM memory. */
export function readColumn(sqlite3: SQLiteAPI, stmt: number, c: number): SQLiteValue {
  switch (sqlite3.column_type(stmt, c)) {
    // A TEXT value's bytes are its UTF-8 (PersistDB's files are UTF-8): all of them, NULs included.
    case SQLite.SQLITE_TEXT:
      return utf8Decoder.decode(sqlite3.column_blob(stmt, c))
    case SQLite.SQLITE_BLOB:
      return sqlite3.column_blob(stmt, c).slice()
    default:
      return sqlite3.column(stmt, c) as SQLiteValue
  }
}
