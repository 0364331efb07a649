/**
 * Who may use the database: `allowSender` judged on the frame a request came
 * from (the full path through main is in hostile-renderer.test.ts).
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { PersistenceError } from '@persistdb/core'
import type { ElectronFrame, ElectronInvokeEvent, ElectronWebContents } from '../src/electron-types'
import { senderPolicy } from '../src/sender-policy'

const contents = { id: 7 } as ElectronWebContents
const top: ElectronFrame = { url: 'app://todo/index.html', origin: 'app://todo', parent: null }
const event = (url: string, origin: string, subframe = false): ElectronInvokeEvent => ({
  sender: contents,
  senderFrame: { url, origin, parent: subframe ? top : null },
})

describe('sender policy', () => {
  it('by default allows every main frame and refuses every subframe and a vanished frame', () => {
    const judge = senderPolicy(undefined)
    expect(judge(event('app://todo/index.html', 'app://todo'))).toEqual({
      ok: true,
      sender: { url: 'app://todo/index.html', origin: 'app://todo', mainFrame: true, webContentsId: 7 },
    })
    expect(judge(event('https://ads.example/frame', 'https://ads.example', true))).toEqual({
      ok: false,
      refused: { url: 'https://ads.example/frame', origin: 'https://ads.example', mainFrame: false },
    })
    expect(judge({ sender: contents, senderFrame: null })).toEqual({ ok: false, refused: null })
  })

  it('an allow-list accepts listed origins and whole-URL patterns only, main frames unless told', () => {
    const judge = senderPolicy({ origins: ['app://todo'], urls: [/file:\/\/\/opt\/app\/index\.html/] })
    expect(judge(event('app://todo/a/b', 'app://todo')).ok).toBe(true)
    expect(judge(event('file:///opt/app/index.html', 'file://')).ok).toBe(true)
    // An unanchored pattern still has to match the whole URL.
    expect(judge(event('https://evil.example/?file:///opt/app/index.html', 'https://evil.example')).ok).toBe(
      false,
    )
    expect(judge(event('app://todo/a', 'app://todo', true)).ok).toBe(false)
    expect(
      senderPolicy({ origins: ['app://todo'], allowSubframes: true })(
        event('app://todo/a', 'app://todo', true),
      ).ok,
    ).toBe(true)
  })

  it('a policy function that throws refuses', () => {
    const judge = senderPolicy(() => {
      throw new Error('policy bug')
    })
    expect(judge(event('app://todo/index.html', 'app://todo')).ok).toBe(false)
  })

  it('refuses options that would refuse everything or are not a policy, with a typed error', () => {
    for (const bad of [{}, { origins: [] }, 'app://todo', { urls: [42] }] as unknown[])
      expect(() => senderPolicy(bad as never)).toThrow(PersistenceError)
  })

  const origin = fc.constantFrom('app://todo', 'app://other', 'https://evil.example', 'file://', 'null')
  test.prop([fc.uniqueArray(origin, { minLength: 1 }), origin, fc.boolean(), fc.boolean()])(
    'an origin allow-list accepts exactly the listed origins (main frames, or subframes when allowed)',
    (listed, sent, subframe, allowSubframes) => {
      const judge = senderPolicy({ origins: listed, allowSubframes })
      const expected = listed.includes(sent) && (!subframe || allowSubframes)
      expect(judge(event(`${sent}/page`, sent, subframe)).ok).toBe(expected)
    },
  )
})
