/** Runs one job in a fresh Node process and parses its result line. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { RESULT_PREFIX, type ChildResult, type Job } from './jobs'

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))

export interface SpawnOptions {
  /** V8 heap limit for big jobs (1M rows in memory). */
  heapMb?: number
  timeoutMs?: number
  /** Extra Node flags, e.g. --cpu-prof. */
  nodeFlags?: string[]
}

export function runChild(job: Job, options: SpawnOptions = {}): Promise<ChildResult> {
  const flags = [
    ...(options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : []),
    ...(options.nodeFlags ?? []),
  ]
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', CHILD, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15 * 60_000)
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
      if (line) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult)
      resolve({
        ok: false,
        notApplicable: false,
        error: `child exited (${signal ?? code}) without a result: ${stderr.slice(-2000)}`,
      })
    })
  })
}
