import { QueryClient } from '@tanstack/query-core'
import { queryCollectionOptions } from '@tanstack/query-db-collection'
import { createCollection } from '@tanstack/db'
import { afterAll, describe, expect, it } from 'vitest'
import { createNodeSQLitePersistence, persistedCollectionOptions } from '../src'
import { rowsOf, tempDir, type Todo } from './helpers'

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function fakeSource(initial: Todo[], delayMs = 20) {
  const src = { rows: initial.map((r) => ({ ...r })), calls: 0 }
  const queryFn = async () => {
    src.calls++
    await sleep(delayMs)
    return src.rows.map((r) => ({ ...r }))
  }
  return { src, queryFn }
}

function openQuery(file: string, queryFn: () => Promise<Todo[]>, opts: { offlineReadyTimeoutMs?: number } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const persistence = createNodeSQLitePersistence({ path: file })
  const collection = createCollection(
    persistedCollectionOptions({
      ...queryCollectionOptions({ queryKey: ['todos'], queryFn, queryClient, getKey: (t: Todo) => t.id }),
      id: 'todos',
      persistence,
      offlineReadyTimeoutMs: opts.offlineReadyTimeoutMs ?? 300,
    }),
  )
  return {
    collection,
    persistence,
    queryClient,
    async close() {
      await collection.cleanup()
      persistence.close()
      queryClient.clear()
    },
  }
}

describe('query collection', () => {
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())
  it('exp', async () => {
    const file = tmp.file('a.sqlite')
    const { src, queryFn } = fakeSource([{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }])
    const one = openQuery(file, queryFn)
    await one.collection.preload()
    console.log(rowsOf(one.collection), one.collection.status, [...(one.collection as any)._state.syncedMetadata])
    await one.close()
    src.rows = [{ id: 'a', title: 'A2' }]
    const two = openQuery(file, queryFn)
    const p = two.collection.preload()
    console.log('before', rowsOf(two.collection), two.collection.status, src.calls)
    await p
    await sleep(50)
    console.log('after', rowsOf(two.collection), two.collection.status, src.calls)
    await two.close()
  })
})
