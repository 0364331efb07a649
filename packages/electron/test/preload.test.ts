/** The preload bridge: what a page gets is two fixed-meaning functions on one channel. */
import { describe, expect, it } from 'vitest'
import { PersistenceError } from '@persistdb/core'
import { isIpcFailure, type PersistDBBridge } from '../src/channel'
import type { ElectronContextBridge } from '../src/electron-types'
import { exposePersistDBBridge } from '../src/preload'
import { EmulatedIpcRenderer, type InvokeResult } from './support/emulated-renderer'

function setup(answer: (channel: string, args: unknown[]) => InvokeResult) {
  const invoked: Array<{ channel: string; args: unknown[] }> = []
  const ipcRenderer = new EmulatedIpcRenderer(async (channel, args) => {
    invoked.push({ channel, args })
    return answer(channel, args)
  })
  const exposed = new Map<string, unknown>()
  const contextBridge: ElectronContextBridge = { exposeInMainWorld: (key, api) => exposed.set(key, api) }
  return { ipcRenderer, invoked, exposed, contextBridge }
}

describe('preload bridge', () => {
  it('exposes exactly request and onNotice under one key, and they reach only the configured channel', async () => {
    const { ipcRenderer, invoked, exposed, contextBridge } = setup(() => ({
      ok: true,
      value: { answer: 42 },
    }))
    exposePersistDBBridge(contextBridge, ipcRenderer, { key: 'db', channel: 'todos-db' })
    expect([...exposed.keys()]).toEqual(['db'])
    const bridge = exposed.get('db') as PersistDBBridge
    expect(Object.keys(bridge).sort()).toEqual(['onNotice', 'request'])
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true)
    await expect(bridge.request({ id: 1 })).resolves.toEqual({ answer: 42 })
    expect(invoked).toEqual([{ channel: 'todos-db', args: [{ id: 1 }] }])
  })

  it('hands the page the notice only (never the IpcRendererEvent), and stops when told', () => {
    const { ipcRenderer, exposed, contextBridge } = setup(() => ({ ok: true, value: null }))
    exposePersistDBBridge(contextBridge, ipcRenderer)
    const bridge = exposed.get('persistdb') as PersistDBBridge
    const heard: unknown[][] = []
    const stop = bridge.onNotice((...args: unknown[]) => heard.push(args))
    ipcRenderer.deliver('persistdb:notice', [{ t: 'changed', term: 1 }])
    ipcRenderer.deliver('other-channel', [{ t: 'changed', term: 2 }])
    expect(heard).toEqual([[{ t: 'changed', term: 1 }]])
    stop()
    expect(ipcRenderer.listenerCount('persistdb:notice')).toBe(0)
    ipcRenderer.deliver('persistdb:notice', [{ t: 'changed', term: 3 }])
    expect(heard).toHaveLength(1)
  })

  it("never rejects across contextBridge: an invoke failure resolves to an IpcFailure with Electron's message", async () => {
    const message = "Error invoking remote method 'persistdb': Error: No handler registered for 'persistdb'"
    const { ipcRenderer, exposed, contextBridge } = setup(() => ({ ok: false, message }))
    exposePersistDBBridge(contextBridge, ipcRenderer)
    const answer = await (exposed.get('persistdb') as PersistDBBridge).request({ id: 1 })
    expect(isIpcFailure(answer)).toBe(true)
    expect(answer).toEqual({ persistdbIpcFailure: true, message })
  })

  it('refuses a bad key or channel with a typed error', () => {
    const { ipcRenderer, contextBridge } = setup(() => ({ ok: true, value: null }))
    expect(() => exposePersistDBBridge(contextBridge, ipcRenderer, { key: '' })).toThrow(PersistenceError)
    expect(() => exposePersistDBBridge(contextBridge, ipcRenderer, { channel: '' })).toThrow(PersistenceError)
  })
})
