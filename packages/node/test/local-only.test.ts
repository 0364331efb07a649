import { it } from 'vitest'
import { createCollection, createTransaction } from '@tanstack/db'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { tempDir } from './helpers'

it('explore', async () => {
  const tmp = tempDir()
  const file = tmp.file()
  const p = createNodeSQLitePersistence({ path: file })
  const c = createCollection(persistedCollectionOptions<any, string>({ id: 'x', getKey: (r) => r.id, persistence: p }))
  await c.preload()
  c.insert({ id: 'a', n: 0, d: new Date(5), m: new Map([[1, 2]]) })
  console.log(Object.getOwnPropertyDescriptors(c.get('a')))
  console.log(c.toArray)
  c.update('a', (d: any) => { d.n = -0 })
  console.log(Object.is(c.get('a').n, -0))
  c.update('a', (d: any) => { d.d = new Date(5) })
  c.update('a', (d: any) => { d.m.set(3, 4) })
  console.log(c.get('a'))
  await c.cleanup(); p.close()
  const p2 = createNodeSQLitePersistence({ path: file })
  const c2 = createCollection(persistedCollectionOptions<any, string>({ id: 'x', getKey: (r) => r.id, persistence: p2, schemaVersion: 2 }))
  const pre = c2.preload().then(() => 'ok', (e) => e)
  await new Promise((r) => setTimeout(r, 50))
  console.log(c2.status, await pre)
})
