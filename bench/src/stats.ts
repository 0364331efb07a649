/** Median, min and max of a sample. */
export interface Summary {
  median: number
  min: number
  max: number
  count: number
}

export function summarize(values: number[]): Summary | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, count: sorted.length }
}
