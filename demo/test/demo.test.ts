import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const demoDir = fileURLToPath(new URL('..', import.meta.url))
const dataDir = mkdtempSync(join(tmpdir(), 'persistdb-demo-'))

interface DemoResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the demo exactly as `npm run demo` does, in a child process, with its data dir in a temp dir. */
function runDemo(): Promise<DemoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: demoDir,
      env: { ...process.env, PERSISTDB_DEMO_DATA_DIR: dataDir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 115_000)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The lines of the section under the heading `── Run <n> ·`. */
function section(output: string, run: number): string {
  const start = output.indexOf(`── Run ${run} `)
  if (start < 0) return ''
  const end = output.indexOf('── Run ', start + 1)
  return output.slice(start, end < 0 ? undefined : end)
}

/** The number after `label` in `text` (thousands separators allowed), or NaN. */
function numberAfter(text: string, label: string): number {
  const match = new RegExp(`${label}\\s+([\\d,]+)`).exec(text)
  return match ? Number(match[1]!.replaceAll(',', '')) : Number.NaN
}

describe('demo (npm run demo)', () => {
  let result: DemoResult

  beforeAll(async () => {
    result = await runDemo()
  }, 120_000)

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('exits 0 and prints all four runs', () => {
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0)
    for (const run of [1, 2, 3, 4]) expect(section(result.stdout, run)).not.toBe('')
    expect(result.stdout).toMatch(/Done in [\d,.]+ ms\./)
  })

  it('run 1 (online, empty file): restores nothing and syncs every product from the source', () => {
    const run1 = section(result.stdout, 1)
    expect(numberAfter(run1, 'rows restored')).toBe(0)
    expect(numberAfter(run1, 'synced')).toBe(5000)
    expect(run1).toMatch(/ready\s+[\d,.]+ ms after open/)
    expect(numberAfter(run1, 'data file')).toBeGreaterThan(0)
  })

  it('failure mode 13: offline start never ready — run 2 restores the rows and answers a live query offline', () => {
    const run2 = section(result.stdout, 2)
    expect(numberAfter(run2, 'rows restored')).toBe(5000)
    expect(run2).toMatch(/source\s+unreachable/)
    expect(run2).toMatch(/status 'ready'/)
    expect(numberAfter(run2, 'limit 3:')).toBeGreaterThan(0)
    // Three result rows of the live query, each priced above 50.
    const prices = [...run2.matchAll(/p-\d{5}\s+\$([\d.]+)\s+\S/g)].slice(0, 3).map((m) => Number(m[1]))
    expect(prices).toHaveLength(3)
    for (const price of prices) expect(price).toBeGreaterThan(50)
  })

  it('failure mode 2: local-only cart keeps writes across restarts (2 items, then 3)', () => {
    expect(numberAfter(section(result.stdout, 2), 'cart \\(local-only\\)')).toBe(2)
    expect(section(result.stdout, 2)).toMatch(/→ 3 items/)
    expect(numberAfter(section(result.stdout, 3), 'cart \\(local-only\\)')).toBe(3)
  })

  it('failure mode 7: reconnect keeps hydrated rows — run 3 restores, then applies only the source diff', () => {
    const run3 = section(result.stdout, 3)
    expect(numberAfter(run3, 'rows restored')).toBe(5000)
    expect(run3).toMatch(/3 added, 3 updated, 2 deleted, 4,995 unchanged/)
    expect(numberAfter(run3, 'rows now')).toBe(5001)
  })

  it('run 4 (offline again): the changes of run 3 were persisted', () => {
    const run4 = section(result.stdout, 4)
    expect(numberAfter(run4, 'rows restored')).toBe(5001)
    expect(run4).toMatch(/persisted\s+yes/)
  })
})
