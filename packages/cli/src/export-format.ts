import {
  decodeValue,
  encodeKey,
  InvalidExportError,
  StorageFormatError,
  type IndexedField,
  type StoredKey,
} from '@persistdb/core/inspect'

/**
 * The export: JSON lines. A header, then per collection one `collection` line, its metadata lines and its
 * rows in key order, then an `end` line with the totals (an export cut short is refused on import).
 * Values are the stored codec JSON (tags such as {"$pdb":"d","v":...} included), embedded as JSON, so
 * an import writes back exactly the text that was read.
 *
 *   {"type":"persistdb-export","version":1,"storageFormat":1}
 *   {"type":"collection","id":"todos","kind":"local","schemaVersion":1,"resyncRequired":false,
 *    "indexes":[{"fn":"field","path":["title"]}]}
 *   {"type":"meta","key":"cursor","value":...}
 *   {"type":"row","key":"1","value":{...}|null,"meta":...|null}
 *   {"type":"end","collections":1,"rows":1}
 */
export const EXPORT_VERSION = 1

export interface HeaderLine {
  readonly type: 'persistdb-export'
  readonly version: number
  readonly storageFormat: number
}

export interface CollectionLine {
  readonly type: 'collection'
  readonly id: string
  readonly kind: 'local' | 'synced'
  readonly schemaVersion: number
  readonly resyncRequired: boolean
  readonly indexes: readonly IndexedField[]
}

export interface MetaLine {
  readonly type: 'meta'
  readonly key: string
  readonly value: unknown
}

export interface RowLine {
  readonly type: 'row'
  readonly key: StoredKey
  readonly value: unknown
  readonly meta: unknown
}

export interface EndLine {
  readonly type: 'end'
  readonly collections: number
  readonly rows: number
}

export type ExportLine = HeaderLine | CollectionLine | MetaLine | RowLine | EndLine

/** Stored codec text as embedded JSON (null stays null); `where` names it when the file is damaged. */
export function embed(text: string | null, where: () => string): unknown {
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new StorageFormatError(
      `${where()} is not JSON (${(error as Error).message}); the file is damaged. Run persistdb verify.`,
    )
  }
}

/** Embedded JSON back to the stored text, checked with core's decoder. */
export function storedText(line: number, what: string, value: unknown): string | null {
  if (value === null) return null
  const text = JSON.stringify(value)
  try {
    decodeValue(text)
  } catch (error) {
    throw new InvalidExportError(line, `has a ${what} PersistDB cannot decode (${(error as Error).message})`)
  }
  return text
}

/** Parses and validates one line; throws InvalidExportError saying what is wrong. */
export function parseLine(text: string, line: number): ExportLine {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InvalidExportError(line, 'is not JSON')
  }
  const fail = (problem: string): never => {
    throw new InvalidExportError(line, problem)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return fail('is not a JSON object')
  const o = parsed as Record<string, unknown>
  switch (o.type) {
    case 'persistdb-export':
      if (o.version !== EXPORT_VERSION)
        fail(`is export version ${String(o.version)}; this build reads ${EXPORT_VERSION}`)
      if (!Number.isInteger(o.storageFormat)) fail('has no storageFormat')
      return o as unknown as HeaderLine
    case 'collection':
      if (typeof o.id !== 'string' || o.id === '') fail('has no collection id')
      if (o.kind !== 'local' && o.kind !== 'synced')
        fail(`has kind ${JSON.stringify(o.kind)} (local or synced)`)
      if (!Number.isInteger(o.schemaVersion)) fail('has no integer schemaVersion')
      if (typeof o.resyncRequired !== 'boolean') fail('has no boolean resyncRequired')
      if (!Array.isArray(o.indexes) || !o.indexes.every(isIndexedField)) fail('has malformed indexes')
      return o as unknown as CollectionLine
    case 'meta':
      if (typeof o.key !== 'string') fail('has a metadata key that is not a string')
      if (o.value === null || o.value === undefined) fail('has no metadata value')
      return o as unknown as MetaLine
    case 'row':
      try {
        encodeKey(o.key)
      } catch {
        fail(`has an invalid key ${JSON.stringify(o.key)}`)
      }
      if (!('value' in o) || !('meta' in o)) fail('needs both value and meta (null when absent)')
      if (o.value === null && o.meta === null) fail('has neither a value nor metadata')
      return o as unknown as RowLine
    case 'end':
      if (!Number.isInteger(o.collections) || !Number.isInteger(o.rows)) fail('has malformed totals')
      return o as unknown as EndLine
    default:
      return fail(`has unknown type ${JSON.stringify(o.type)}`)
  }
}

function isIndexedField(value: unknown): value is IndexedField {
  const f = value as IndexedField
  return (
    typeof f === 'object' &&
    f !== null &&
    (f.fn === 'field' || f.fn === 'lower' || f.fn === 'upper') &&
    Array.isArray(f.path) &&
    f.path.length > 0 &&
    f.path.every((s) => typeof s === 'string')
  )
}
