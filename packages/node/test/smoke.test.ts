import { afterEach, describe, expect, it } from 'vitest'
import { openTodos, tempDir, rowsOf } from './helpers'

describe('local-only smoke', () => {
  const tmp = tempDir()
  afterEach(() => undefined)

  it('insert, restart, rows are back', async () => {
    const file = tmp.file('smoke.sqlite')
    const a = openTodos(file)
    await a.collection.preload()
    a.collection.insert({ id: 'a', title: 'A' })
    a.collection.insert({ id: 'b', title: 'B' })
    a.collection.update('a', (d) => {
      d.title = 'A2'
    })
    a.collection.delete('b')
    await a.collection.cleanup()
    a.persistence.close()

    const b = openTodos(file)
    await b.collection.preload()
    expect(rowsOf(b.collection)).toEqual([{ id: 'a', title: 'A2' }])
    b.persistence.close()
  })
})
