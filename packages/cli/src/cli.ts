#!/usr/bin/env node
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { compactFile } from './compact'
import { openReadOnly } from './database'
import { exportFile } from './export'
import { importFile } from './import'
import { bytes, formatInfo, gatherInfo } from './info'
import { progressFor } from './progress'
import { listRows } from './rows'
import { UsageError } from './usage-error'
import { verifyFile } from './verify'

/** Exit statuses: 0 done / healthy, 1 verify found problems, 2 the command could not do its work. */
const PROBLEMS = 1
const FAILED = 2

const program = new Command('persistdb')
  .description('Inspect, verify, export, import and compact PersistDB SQLite files.')
  .showHelpAfterError()
  .exitOverride()

program
  .command('info')
  .description('format, collections (kind, schema version, rows, bytes, indexes), change log, writers')
  .argument('<file>', 'PersistDB database file')
  .option('--json', 'print as JSON')
  .action((path: string, options: { json?: boolean }) => {
    const file = openReadOnly(path)
    try {
      const info = gatherInfo(file)
      print(options.json ? JSON.stringify(info, null, 2) : formatInfo(info))
    } finally {
      file.close()
    }
  })

program
  .command('rows')
  .description('rows of one collection, decoded exactly as the app reads them')
  .argument('<file>', 'PersistDB database file')
  .argument('<collection>', 'collection id')
  .option('--limit <n>', 'rows to show at most', positiveInt, 100)
  .option('--json', 'one JSON object per line; Dates, bigints, bytes... as {"$date": ...} etc.')
  .option('--meta', 'also show row metadata (and keys that only carry metadata)')
  .action(
    async (path: string, collection: string, options: { limit: number; json?: boolean; meta?: boolean }) => {
      const file = openReadOnly(path)
      try {
        file.db.exec('BEGIN')
        const opts = { limit: options.limit, json: options.json === true, meta: options.meta === true }
        for (const line of listRows(file, collection, opts)) await write(line + '\n')
      } finally {
        file.close()
      }
    },
  )

program
  .command('verify')
  .description('SQLite integrity, format markers, every row decodes, indexes match, change log consistent')
  .argument('<file>', 'PersistDB database file')
  .action((path: string) => {
    const problems = verifyFile(path, progressFor())
    if (problems.length === 0) {
      print(`${path}: ok`)
      return
    }
    process.stderr.write(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`)
    for (const p of problems) process.stderr.write(`  - ${p}\n`)
    process.exitCode = PROBLEMS
  })

program
  .command('export')
  .description('write the database (or one collection) as JSON lines to stdout')
  .argument('<file>', 'PersistDB database file')
  .option('--collection <id>', 'only this collection')
  .action(async (path: string, options: { collection?: string }) => {
    const file = openReadOnly(path)
    try {
      await exportFile(file, write, { ...options, progress: progressFor() })
    } finally {
      file.close()
    }
  })

program
  .command('import')
  .description('build a new database file from an export (use - to read stdin)')
  .argument('<export>', 'JSON lines written by persistdb export, or -')
  .argument('<new-file>', 'database file to create (must not exist)')
  .action(async (source: string, target: string) => {
    const input = source === '-' ? process.stdin : createReadStream(source)
    const lines = createInterface({ input, crlfDelay: Infinity })
    const { collections, rows } = await importFile(lines, target, progressFor())
    process.stderr.write(
      `imported ${collections} collection${collections === 1 ? '' : 's'}, ${rows} rows into ${target}\n`,
    )
  })

program
  .command('compact')
  .description('prune the change log within its bounds and VACUUM; prints sizes before and after')
  .argument('<file>', 'PersistDB database file')
  .option('--max-entries <n>', 'change-log entries to keep (0: no count limit)', nonNegativeInt, 10_000)
  .option(
    '--max-age-ms <ms>',
    'drop change-log entries older than this (0: no age limit)',
    nonNegativeInt,
    86_400_000,
  )
  .option('--force', 'run even though another connection has the file open')
  .action((path: string, options: { maxEntries: number; maxAgeMs: number; force?: boolean }) => {
    const r = compactFile(path, { ...options, force: options.force === true })
    print(
      `change log: ${r.logEntriesBefore} -> ${r.logEntriesAfter} entries\n` +
        `size: ${bytes(r.bytesBefore)} -> ${bytes(r.bytesAfter)} (${r.bytesBefore} -> ${r.bytesAfter} bytes)`,
    )
  })

function positiveInt(text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1')
  return n
}

function nonNegativeInt(text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0')
  return n
}

function print(text: string): void {
  process.stdout.write(text + '\n')
}

/** Writes to stdout, waiting when the pipe is full (a million rows never pile up in memory). */
function write(text: string): void | Promise<void> {
  if (process.stdout.write(text)) return
  return new Promise((resolve) => process.stdout.once('drain', () => resolve()))
}

// A reader that stops early (`persistdb export db | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : FAILED
  } else {
    const code = (error as { code?: unknown }).code
    const prefix = typeof code === 'string' && code.startsWith('PERSISTDB_') ? `${code}: ` : ''
    const text =
      error instanceof UsageError || prefix
        ? (error as Error).message
        : String((error as Error)?.stack ?? error)
    process.stderr.write(`persistdb: ${prefix}${text}\n`)
    process.exitCode = FAILED
  }
}
