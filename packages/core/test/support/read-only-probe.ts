/**
 * The part of a read-only child process (run as an unprivileged user: file
 * permissions do not bind root) that every runtime shares: opens each file
 * with the runtime's persistence, reads collection "todos", tries to write to
 * it and to create collection "other", and prints one JSON line per file with
 * what happened at each step.
 */
import { createCollection } from '@tanstack/db'
import { persistedCollectionOptions, type MaybePromise, type SQLitePersistence } from '../../src'

export interface ProbeOutcome {
  code: string
  name: string
  message: string
  canRead?: boolean
}

export interface ProbeReport {
  file: string
  uid: number | undefined
  open?: ProbeOutcome
  rows?: Array<{ id: string; title: string }>
  insert?: ProbeOutcome | 'acknowledged'
  afterInsert?: string[]
  status?: string
  create?: ProbeOutcome | 'created'
}

const outcome = (error: unknown): ProbeOutcome => {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; canRead?: unknown }
  return {
    code: String(e.code),
    name: String(e.name),
    message: String(e.message),
    ...(typeof e.canRead === 'boolean' ? { canRead: e.canRead } : {}),
  }
}

const collection = (persistence: SQLitePersistence, id: string) =>
  createCollection(
    persistedCollectionOptions<{ id: string; title: string }, string>({
      id,
      getKey: (t) => t.id,
      persistence,
    }),
  )

/** Probes every file in turn and prints its report as one JSON line. */
export async function probeFiles(
  files: readonly string[],
  open: (file: string) => MaybePromise<SQLitePersistence>,
): Promise<void> {
  for (const file of files) console.log(JSON.stringify(await probe(file, open)))
}

async function probe(
  file: string,
  open: (file: string) => MaybePromise<SQLitePersistence>,
): Promise<ProbeReport> {
  const report: ProbeReport = { file, uid: process.getuid?.() }
  let persistence: SQLitePersistence
  try {
    persistence = await open(file)
    // Asynchronous runtimes check the file at their first statement.
    await persistence.ready()
  } catch (error) {
    report.open = outcome(error)
    return report
  }
  const todos = collection(persistence, 'todos')
  try {
    await todos.preload()
    report.rows = todos.toArray.map((row) => ({ id: row.id, title: row.title }))
    try {
      await todos.insert({ id: 'new', title: 'refused' }).isPersisted.promise
      report.insert = 'acknowledged'
    } catch (error) {
      report.insert = outcome(error)
      // Asynchronous runtimes bring memory back to what disk holds after the refusal: wait for it (5 s at most).
      for (const until = Date.now() + 5000; todos.has('new') && Date.now() < until;)
        await new Promise((resolve) => setTimeout(resolve, 5))
    }
    report.afterInsert = todos.toArray.map((row) => row.id)
    report.status = todos.status
  } catch (error) {
    report.open = outcome(error)
  }
  const other = collection(persistence, 'other')
  try {
    await other.preload()
    report.create = 'created'
  } catch (error) {
    report.create = outcome(error)
  }
  await todos.cleanup()
  await other.cleanup()
  await persistence.close()
  return report
}
