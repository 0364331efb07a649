/**
 * The structural shapes in src/electron-types.ts against Electron's own
 * `.d.ts` (the `electron` devDependency; its binary is never downloaded).
 * The assignments are checked by `npm run typecheck`; the test body proves
 * this file is part of a suite that runs.
 */
import type {
  ContextBridge,
  IpcMain,
  IpcMainInvokeEvent,
  IpcRenderer,
  WebContents,
  WebFrameMain,
} from 'electron'
import { describe, expect, it } from 'vitest'
import type {
  ElectronContextBridge,
  ElectronFrame,
  ElectronInvokeEvent,
  ElectronIpcMain,
  ElectronIpcRenderer,
  ElectronWebContents,
} from '../src/electron-types'

type Assignable<From, To> = [From] extends [To] ? true : false

const checks = {
  ipcMain: true satisfies Assignable<IpcMain, ElectronIpcMain>,
  ipcRenderer: true satisfies Assignable<IpcRenderer, ElectronIpcRenderer>,
  contextBridge: true satisfies Assignable<ContextBridge, ElectronContextBridge>,
  webContents: true satisfies Assignable<WebContents, ElectronWebContents>,
  frame: true satisfies Assignable<WebFrameMain, ElectronFrame>,
  invokeEvent: true satisfies Assignable<IpcMainInvokeEvent, ElectronInvokeEvent>,
}

describe('Electron types', () => {
  it("Electron's ipcMain, ipcRenderer, contextBridge, webContents and frames fit the structural shapes", () => {
    expect(Object.values(checks).every((ok) => ok)).toBe(true)
  })
})
