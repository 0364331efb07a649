export { compileSubset, querySubset, runSubset } from './subset-query'
export type {
  CompiledSubset,
  Statement,
  SubsetAnswer,
  SubsetCompareOptions,
  SubsetResult,
} from './subset-query'
export { dropIndex, ensureIndex, indexDefinition, indexExists } from './indexes'
export type { IndexDefinition } from './indexes'
