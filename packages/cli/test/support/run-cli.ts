import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the real `persistdb` command in a child process: the TypeScript source through tsx, with the
 * `source` export condition so workspace packages resolve to their sources (no build needed), exactly
 * as the published bin runs the built files.
 */
export function spawnCli(args: readonly string[], options: { stdin?: string } = {}): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdin!.end(options.stdin ?? '')
  return child
}

export function runCli(args: readonly string[], options: { stdin?: string } = {}): Promise<CliResult> {
  const child = spawnCli(args, options)
  return collect(child)
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** The command line that runs the CLI, for `script` (a real terminal). */
export function cliCommandLine(args: readonly string[]): string {
  return [process.execPath, '--conditions=source', '--import', 'tsx', CLI, ...args].map(shellQuote).join(' ')
}

export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}
