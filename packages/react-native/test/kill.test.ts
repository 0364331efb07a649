/**
 * An app killed without warning (SIGKILL, in the middle of its writes) keeps
 * every write it acknowledged: a child process writes through op-sqlite's
 * real JS API (Node builds of 15 and 18) and is killed after a random number
 * of acknowledgements; the file passes `integrity_check`, holds every
 * acknowledged row, and reopens through PersistDB with them.
 *
 * PERSISTDB_RN_KILL_TRIALS=<n> runs more kills per engine (default 2).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnTs } from '../../node/test/fixtures/spawn'
import { createPersistence } from '../src/create'
import { keysOnDisk, NODE_BUILDS, openNotes, tempDir } from './helpers'

const TRIALS = Math.max(1, Number(process.env.PERSISTDB_RN_KILL_TRIALS ?? 2) || 2)
const PACKAGES = ['@op-engineering/op-sqlite', 'op-sqlite-15']

const tmp = tempDir()
afterAll(() => tmp.cleanup())

describe.each(NODE_BUILDS.map((engine, i) => ({ ...engine, pkg: PACKAGES[i]! })))(
  'killed app on $label',
  (engine) => {
    it(
      `keeps every acknowledged write (${TRIALS} kills)`,
      async () => {
        for (let trial = 0; trial < TRIALS; trial++) {
          const name = `kill-${engine.pkg.replace(/\W/g, '')}-${trial}.sqlite`
          const killAfter = 5 + Math.floor(Math.random() * 40)
          const child = spawnTs('../../../react-native/test/fixtures/kill-writer.ts', [
            engine.pkg,
            tmp.dir,
            name,
          ])
          const acked: string[] = []
          await new Promise<void>((resolve, reject) => {
            child.onLine((line) => {
              if (!line.startsWith('ack ')) return
              acked.push(line.slice(4))
              if (acked.length === killAfter) {
                child.process.kill('SIGKILL')
                resolve()
              }
            })
            void child.exited.then(({ signal }) => {
              if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${child.stderr()}`))
            })
          })
          expect((await child.exited).signal).toBe('SIGKILL')

          const file = join(tmp.dir, name)
          const check = new Database(file)
          expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
          check.close()
          const onDisk = keysOnDisk(file)
          // Every acknowledged write is there; at most the one in flight besides.
          expect(onDisk.slice(0, acked.length)).toEqual(acked)
          expect(onDisk.length - acked.length).toBeLessThanOrEqual(1)

          const persistence = createPersistence(engine.open, { name, location: tmp.dir, pollIntervalMs: 0 })
          const notes = openNotes(persistence)
          await notes.preload()
          expect([...notes.keys()].map(String).sort()).toEqual(onDisk)
          await persistence.close()
        }
      },
      60_000 + TRIALS * 20_000,
    )
  },
)
