/** The q-quantile (0..1) of a list of durations, nearest-rank. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` in flight; returns each task's duration in ms. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies = new Array<number>(count)
  let next = 0
  const started = performance.now()
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = performance.now()
      await task(i)
      latencies[i] = performance.now() - t0
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { latencies, elapsedMs: performance.now() - started }
}
