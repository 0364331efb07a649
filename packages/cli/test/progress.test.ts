/**
 * Long work shows progress on a terminal (a real pty, via util-linux `script`) and stays quiet when piped.
 * Default 20 000 rows; PERSISTDB_CLI_PROGRESS_ROWS=1000000 runs the million-row file.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir, writeBigDatabase } from './support/files'
import { cliCommandLine, collect, runCli, shellQuote } from './support/run-cli'

const ROWS = Number(process.env.PERSISTDB_CLI_PROGRESS_ROWS ?? 20_000)
const TIMEOUT = Math.max(120_000, ROWS / 5)

/** Runs a shell command line with stdin, stdout and stderr on a pseudo-terminal; returns what it printed. */
async function onTerminal(commandLine: string): Promise<{ status: number | null; screen: string }> {
  const child = spawn('script', ['-qefc', commandLine, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.end()
  const result = await collect(child)
  return { status: result.status, screen: result.stdout }
}

describe(`progress on a ${ROWS.toLocaleString('en-US')}-row file`, () => {
  const tmp = tempDir()
  const file = tmp.file('big.sqlite')
  const count = ROWS.toLocaleString('en-US')
  beforeAll(() => writeBigDatabase(file, ROWS), TIMEOUT)
  afterAll(() => tmp.cleanup())

  it(
    'export on a terminal shows a progress line reaching 100%; piped, stderr stays empty and stdout is only data',
    async () => {
      const out = tmp.file('out.jsonl')
      const tty = await onTerminal(`${cliCommandLine(['export', file])} > ${shellQuote(out)}`)
      expect(tty.status).toBe(0)
      expect(tty.screen).toContain(`export big: ${count} / ${count} rows (100%)`)
      const exported = readFileSync(out, 'utf8')
      expect(exported.endsWith(`{"type":"end","collections":1,"rows":${ROWS}}\n`)).toBe(true)

      const piped = await runCli(['export', file])
      expect(piped.status).toBe(0)
      expect(piped.stderr).toBe('')
      expect(piped.stdout).toBe(exported)
    },
    TIMEOUT,
  )

  it(
    'verify and import show progress on a terminal too',
    async () => {
      const tty = await onTerminal(cliCommandLine(['verify', file]))
      expect(tty.status).toBe(0)
      expect(tty.screen).toContain(`verify big: ${count} / ${count} rows (100%)`)
      expect(tty.screen).toContain(`${file}: ok`)

      const out = tmp.file('for-import.jsonl')
      const copy = tmp.file('copy.sqlite')
      const imported = await onTerminal(
        `${cliCommandLine(['export', file])} > ${shellQuote(out)} && ${cliCommandLine(['import', out, copy])}`,
      )
      expect(imported.status).toBe(0)
      expect(imported.screen).toContain(`import: ${count} rows`)
      expect(imported.screen).toContain(`imported 1 collection, ${ROWS} rows into ${copy}`)
    },
    TIMEOUT,
  )
})
