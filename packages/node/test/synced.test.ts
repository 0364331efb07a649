/**
 * Synced collections over a hand-written, Electric-like source that resumes
 * from a cursor it keeps in collection metadata. "Restart" = close the
 * persistence and open a fresh persistence + collection on the same file;
 * one scenario restarts across a real child process.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createCollection, type SyncConfig } from '@tanstack/db'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { rowsOf, tempDir } from './helpers'
import type { SQLitePersistence } from '@persistdb/core'
import { execOnDisk, readDisk } from './fixtures/synced-disk'
import { cursorSource, FakeServer, manualSource, sleep, waitFor, type Row } from './fixtures/synced-source'

interface OpenOptions {
  id?: string
  schemaVersion?: number
  offlineReadyTimeoutMs?: number
  persistence?: SQLitePersistence
}

function openSynced(file: string, sync: SyncConfig<Row, string>, options: OpenOptions = {}) {
  const persistence = options.persistence ?? createNodeSQLitePersistence({ path: file })
  const collection = createCollection(
    persistedCollectionOptions({
      id: options.id ?? 'items',
      getKey: (row: Row) => row.id,
      sync,
      persistence,
      schemaVersion: options.schemaVersion ?? 1,
      offlineReadyTimeoutMs: options.offlineReadyTimeoutMs ?? 300,
    }),
  )
  return {
    collection,
    persistence,
    async close() {
      await collection.cleanup()
      if (!options.persistence) persistence.close()
    },
  }
}

const rowsAt = (server: FakeServer) => [...server.rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1))
const diskValues = (file: string, id = 'items') => readDisk(file, id)!.rows.map((r) => r.value)

const A = { id: 'a', title: 'A' }
const B = { id: 'b', title: 'B' }
const C = { id: 'c', title: 'C' }

describe('synced collections with a cursor-resuming source', () => {
  const tmp = tempDir('persistdb-synced-')
  afterAll(() => tmp.cleanup())

  it('resume: a restart hands the stored cursor to the source, which only sends what changed', async () => {
    const file = tmp.file('resume.sqlite')
    const server = new FakeServer([A, B])
    const first = openSynced(file, cursorSource(server))
    await first.collection.preload()
    expect(server.seenCursors).toEqual([undefined])
    server.upsert({ id: 'b', title: 'B2' })
    await waitFor(() => first.collection.get('b')?.title === 'B2', 'the live change')
    await first.close()
    expect(readDisk(file, 'items')!.collectionMeta.get('cursor')).toBe(3)

    server.upsert(C, false)
    server.remove('a', false)
    const second = openSynced(file, cursorSource(server))
    await second.collection.preload()
    expect(server.seenCursors).toEqual([undefined, 3])
    expect(server.answers).toEqual(['snapshot', 'changes'])
    expect(rowsOf(second.collection)).toEqual(rowsAt(server))
    expect(diskValues(file)).toEqual(rowsAt(server))
    expect(readDisk(file, 'items')!.collectionMeta.get('cursor')).toBe(5)
    await second.close()
  })

  it('failure mode 5: schema reset keeps the resume cursor — a schemaVersion bump drops rows and cursor together', async () => {
    const file = tmp.file('schema-reset.sqlite')
    const server = new FakeServer([A, B, C])
    const v1 = openSynced(file, cursorSource(server), { schemaVersion: 1 })
    await v1.collection.preload()
    await v1.close()
    const before = readDisk(file, 'items')!
    expect(before.rows).toHaveLength(3)
    expect(before.collectionMeta.get('cursor')).toBe(3)

    // Same version: the cursor is resumed (the source says "up to date").
    const again = openSynced(file, cursorSource(server), { schemaVersion: 1 })
    await again.collection.preload()
    expect(server.seenCursors.at(-1)).toBe(3)
    expect(server.answers.at(-1)).toBe('up-to-date')
    await again.close()

    // Bumped version, source offline: the open itself reset rows and cursor on disk.
    server.mode = 'never-answers'
    const v2 = openSynced(file, cursorSource(server), { schemaVersion: 2 })
    v2.collection.startSyncImmediate()
    expect(server.seenCursors.at(-1)).toBeUndefined()
    expect(rowsOf(v2.collection)).toEqual([])
    const reset = readDisk(file, 'items')!
    expect(reset.num).toBe(before.num)
    expect(reset.schemaVersion).toBe(2)
    expect(reset.rows).toEqual([])
    expect([...reset.collectionMeta]).toEqual([])
    await v2.close()

    // Source back: no cursor anywhere, so it resyncs in full.
    server.mode = 'online'
    const full = openSynced(file, cursorSource(server), { schemaVersion: 2 })
    await full.collection.preload()
    expect(server.seenCursors.at(-1)).toBeUndefined()
    expect(server.answers.at(-1)).toBe('snapshot')
    expect(rowsOf(full.collection)).toEqual([A, B, C])
    expect(diskValues(file)).toEqual([A, B, C])
    expect(readDisk(file, 'items')!.collectionMeta.get('cursor')).toBe(3)
    await full.close()
  })

  it('failure mode 6: shared adapter slot — collections with different schemaVersions never reset each other', async () => {
    const file = tmp.file('two-versions.sqlite')
    const alpha = new FakeServer([A, B])
    const beta = new FakeServer([
      { id: 'x', title: 'X' },
      { id: 'y', title: 'Y' },
      { id: 'z', title: 'Z' },
    ])
    const open = (alphaVersion: number, betaVersion: number) => {
      const persistence = createNodeSQLitePersistence({ path: file })
      const a = openSynced(file, cursorSource(alpha), {
        id: 'alpha',
        schemaVersion: alphaVersion,
        persistence,
      })
      const b = openSynced(file, cursorSource(beta), { id: 'beta', schemaVersion: betaVersion, persistence })
      return {
        a,
        b,
        async close() {
          await a.close()
          await b.close()
          persistence.close()
        },
      }
    }
    const first = open(1, 2)
    await Promise.all([first.a.collection.preload(), first.b.collection.preload()])
    await first.close()

    // alpha 1 -> 2 (now equal to beta's version): only alpha resets.
    const second = open(2, 2)
    await Promise.all([second.a.collection.preload(), second.b.collection.preload()])
    expect(alpha.seenCursors).toEqual([undefined, undefined])
    expect(beta.seenCursors).toEqual([undefined, 3])
    expect(beta.answers.at(-1)).toBe('up-to-date')
    expect(rowsOf(second.b.collection)).toEqual(rowsAt(beta))
    await second.close()
    expect(diskValues(file, 'beta')).toEqual(rowsAt(beta))
    expect(readDisk(file, 'beta')!.collectionMeta.get('cursor')).toBe(3)

    // beta 2 -> 3: only beta resets; alpha resumes.
    const third = open(2, 3)
    await Promise.all([third.a.collection.preload(), third.b.collection.preload()])
    expect(alpha.seenCursors.at(-1)).toBe(2)
    expect(beta.seenCursors.at(-1)).toBeUndefined()
    expect(rowsOf(third.a.collection)).toEqual(rowsAt(alpha))
    expect(rowsOf(third.b.collection)).toEqual(rowsAt(beta))
    await third.close()
    expect(readDisk(file, 'alpha')!.schemaVersion).toBe(2)
    expect(readDisk(file, 'beta')!.schemaVersion).toBe(3)
    expect(diskValues(file, 'alpha')).toEqual(rowsAt(alpha))
    expect(diskValues(file, 'beta')).toEqual(rowsAt(beta))
  })

  it('failure mode 7: reconnect wipes hydrated rows — "up to date, no rows" after an offline restart keeps every row', async () => {
    const file = tmp.file('reconnect.sqlite')
    const server = new FakeServer([A, B, C])
    const first = openSynced(file, cursorSource(server))
    await first.collection.preload()
    await first.close()

    server.mode = 'never-answers'
    const second = openSynced(file, cursorSource(server), { offlineReadyTimeoutMs: 100 })
    await second.collection.preload()
    expect(second.collection.status).toBe('ready')
    expect(rowsOf(second.collection)).toEqual([A, B, C])

    server.goOnline()
    await waitFor(() => server.answers.length === 2, 'the reconnect')
    expect(server.answers.at(-1)).toBe('up-to-date')
    expect(server.seenCursors.at(-1)).toBe(3)
    await sleep(20)
    expect(rowsOf(second.collection)).toEqual([A, B, C])
    expect(diskValues(file)).toEqual([A, B, C])
    expect(readDisk(file, 'items')!.collectionMeta.get('cursor')).toBe(3)
    // Live changes after the reconnect still flow and persist.
    server.upsert({ id: 'd', title: 'D' })
    await waitFor(() => second.collection.has('d'), 'a live change')
    await second.close()

    const third = openSynced(file, cursorSource(server))
    third.collection.startSyncImmediate()
    expect(rowsOf(third.collection)).toEqual([A, B, C, { id: 'd', title: 'D' }])
    await third.collection.preload()
    expect(server.answers.at(-1)).toBe('up-to-date')
    await third.close()
  })

  it('failure mode 9: insert clears ownership metadata — row metadata after restart is what core kept, in call order', async () => {
    const file = tmp.file('row-meta.sqlite')
    const M = { owner: 'q1', tags: ['x'] }
    const source = manualSource()
    const first = openSynced(file, source.config)
    first.collection.startSyncImmediate()
    const p = source.params()
    p.begin()
    p.metadata!.row.set('k', M) // set, then an insert without metadata: cleared
    p.write({ type: 'insert', value: { id: 'k', title: 'K' } })
    p.write({ type: 'insert', value: { id: 'j', title: 'J' } })
    p.metadata!.row.set('j', M) // insert, then set: M
    p.write({ type: 'insert', value: { id: 'm', title: 'M' }, metadata: { inline: 1 } })
    p.metadata!.row.delete('m') // inline metadata, then delete: none
    p.commit()
    p.markReady()
    const kept = first.collection._state.syncedMetadata
    expect(kept.get('k')).toBeUndefined()
    expect(kept.get('j')).toEqual(M)
    expect(kept.get('m')).toBeUndefined()
    const before = new Map(['k', 'j', 'm'].map((key) => [key, kept.get(key)]))
    await first.close()

    const disk = readDisk(file, 'items')!
    expect(disk.meta.get('k')).toBeUndefined()
    expect(disk.meta.get('j')).toEqual(M)

    const second = openSynced(file, manualSource().config)
    second.collection.startSyncImmediate()
    for (const [key, meta] of before) expect(second.collection._state.syncedMetadata.get(key)).toEqual(meta)
    expect(rowsOf(second.collection).map((r) => r.id)).toEqual(['j', 'k', 'm'])
    await second.close()
  })

  it('failure mode 9 (property): after any sync transactions and restarts, rows and all metadata equal core', async () => {
    const keys = ['k1', 'k2', 'k3']
    const op = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('write' as const),
          key: fc.constantFrom(...keys),
          n: fc.nat(5),
          meta: fc.option(fc.nat(3)),
        }),
        weight: 4,
      },
      {
        arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant('setMeta' as const),
          key: fc.constantFrom(...keys),
          meta: fc.nat(3),
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({ kind: fc.constant('deleteMeta' as const), key: fc.constantFrom(...keys) }),
        weight: 1,
      },
      {
        arbitrary: fc.record({ kind: fc.constant('cursor' as const), value: fc.option(fc.nat(9)) }),
        weight: 1,
      },
      { arbitrary: fc.record({ kind: fc.constant('truncate' as const) }), weight: 1 },
    )
    type Op = typeof op extends fc.Arbitrary<infer O> ? O : never
    const transactions = fc.array(fc.array(op, { maxLength: 8 }), { maxLength: 3 })

    /** Runs transactions through a manual source and returns core's state afterwards. */
    const apply = (
      run: ReturnType<typeof openSynced>,
      source: ReturnType<typeof manualSource>,
      txs: Op[][],
    ) => {
      const p = source.params()
      const state = run.collection._state
      for (const transaction of txs) {
        p.begin()
        // Existence as core will see it when each operation applies.
        const exists = new Set(keys.filter((k) => state.syncedData.has(k)))
        for (const o of transaction) {
          if (o.kind === 'write') {
            const value = { id: o.key, title: `t${o.n}` }
            const metadata = o.meta === null ? undefined : { m: o.meta }
            p.write({
              type: exists.has(o.key) ? 'update' : 'insert',
              value,
              ...(metadata ? { metadata } : {}),
            })
            exists.add(o.key)
          } else if (o.kind === 'delete') {
            if (!exists.has(o.key)) continue
            p.write({ type: 'delete', key: o.key })
            exists.delete(o.key)
          } else if (o.kind === 'setMeta') p.metadata!.row.set(o.key, { m: o.meta })
          else if (o.kind === 'deleteMeta') p.metadata!.row.delete(o.key)
          else if (o.kind === 'cursor') {
            if (o.value === null) p.metadata!.collection.delete('cursor')
            else p.metadata!.collection.set('cursor', o.value)
          } else {
            p.truncate()
            exists.clear()
          }
        }
        p.commit()
      }
      p.markReady()
    }
    const coreState = (run: ReturnType<typeof openSynced>) => {
      const state = run.collection._state
      return {
        rows: keys.map((k) => [k, state.syncedData.get(k)]),
        rowMeta: keys.map((k) => [k, state.syncedMetadata.get(k)]),
        collectionMeta: [...state.syncedCollectionMetadata],
      }
    }
    const reopen = (file: string) => {
      const source = manualSource()
      const run = openSynced(file, source.config)
      run.collection.startSyncImmediate()
      return { run, source }
    }

    let n = 0
    await fc.assert(
      fc.asyncProperty(transactions, transactions, async (before, after) => {
        const file = tmp.file(`prop-${n++}.sqlite`)
        const first = reopen(file)
        apply(first.run, first.source, before)
        const expectedFirst = coreState(first.run)
        await first.run.close()

        // Restart, check, then keep writing on top of the restored state.
        const second = reopen(file)
        expect(coreState(second.run)).toEqual(expectedFirst)
        apply(second.run, second.source, after)
        const expectedSecond = coreState(second.run)
        await second.run.close()

        const third = reopen(file)
        const restored = coreState(third.run)
        await third.run.close()
        expect(restored).toEqual(expectedSecond)
      }),
      { numRuns: Number(process.env.PERSISTDB_SYNC_PROPERTY_RUNS ?? 30) },
    )
  })

  describe('failure mode 4: persistence errors swallowed', () => {
    class Opaque {
      constructor(readonly secret: number) {}
    }
    const cases = [
      {
        name: 'a SQLite trigger aborts the write',
        bad: { id: 'bad', title: 'Bad' } as Row,
        breakDisk: (file: string) =>
          execOnDisk(
            file,
            `CREATE TRIGGER persistdb_test_fail BEFORE INSERT ON "${readDisk(file, 'items')!.table}" ` +
              `WHEN NEW.key = 'bad' BEGIN SELECT RAISE(ABORT, 'disk says no'); END`,
          ),
        fixDisk: (file: string) => execOnDisk(file, 'DROP TRIGGER persistdb_test_fail'),
      },
      {
        name: 'the row holds a class instance, which SQLite storage cannot hold',
        bad: { id: 'bad', title: 'Bad', blob: new Opaque(1) } as Row,
        breakDisk: () => undefined,
        fixDisk: () => undefined,
      },
    ]

    it.each(cases)('$name: error state, no hole behind the cursor, next start resyncs in full', async (c) => {
      const file = tmp.file(`fail-${cases.indexOf(c)}.sqlite`)
      const server = new FakeServer([A, B])
      const first = openSynced(file, cursorSource(server))
      await first.collection.preload()
      expect(readDisk(file, 'items')!.collectionMeta.get('cursor')).toBe(2)

      c.breakDisk(file)
      server.upsert(c.bad)
      await waitFor(() => first.collection.status === 'error', 'the error state')
      const status = first.collection.utils.getPersistenceStatus()
      expect(status.state).toBe('failed')
      expect(status.error).toBeDefined()

      // Later source writes still reach core, but none is persisted behind the failure.
      server.upsert(C)
      server.upsert({ id: 'a', title: 'A2' })
      await waitFor(() => first.collection.has('c'), 'core to apply a later write')
      expect(first.collection.get('a')?.title).toBe('A2')
      const disk = readDisk(file, 'items')!
      expect(disk.rows.map((r) => r.value)).toEqual([A, B])
      expect(disk.collectionMeta.get('cursor')).toBe(2)
      expect(disk.resyncRequired).toBe(true)
      await first.close()

      // Next start: disk healthy again, the bad value fixed upstream.
      c.fixDisk(file)
      server.upsert({ id: 'bad', title: 'Bad' }, false)
      const second = openSynced(file, cursorSource(server))
      second.collection.startSyncImmediate()
      // The reset happened at open: nothing stale is served while the source resyncs.
      expect(rowsOf(second.collection)).toEqual([])
      await second.collection.preload()
      expect(server.seenCursors.at(-1)).toBeUndefined()
      expect(server.answers.at(-1)).toBe('snapshot')
      expect(second.collection.status).toBe('ready')
      expect(second.collection.utils.getPersistenceStatus().state).toBe('ok')
      expect(rowsOf(second.collection)).toEqual(rowsAt(server))
      const healed = readDisk(file, 'items')!
      expect(healed.resyncRequired).toBe(false)
      expect(healed.rows.map((r) => r.value)).toEqual(rowsAt(server))
      expect(healed.collectionMeta.get('cursor')).toBe(server.cursor)
      await second.close()
    })
  })

  it('restart across a real child process: the child syncs, persists and is SIGKILLed; the parent restarts offline', async () => {
    const file = tmp.file('child.sqlite')
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/synced-child.ts', import.meta.url)),
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    )
    await waitFor(
      () => stdout.includes('synced') || child.exitCode !== null,
      'the child to sync',
      30_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${stderr}`)
    })
    expect(stdout, stderr).toContain('synced')
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')

    // The child's source is gone: this process starts offline from its file.
    const server = new FakeServer()
    server.mode = 'never-answers'
    const parent = openSynced(file, cursorSource(server))
    parent.collection.startSyncImmediate()
    const expected = JSON.parse(
      stdout
        .slice(stdout.indexOf('synced') + 'synced'.length)
        .trim()
        .split('\n')[0]!,
    ) as {
      rows: Row[]
      cursor: number
    }
    expect(rowsOf(parent.collection)).toEqual(expected.rows)
    expect(server.seenCursors).toEqual([expected.cursor])
    await parent.collection.preload()
    expect(parent.collection.status).toBe('ready')
    await parent.close()
  })
})
