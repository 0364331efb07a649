/**
 * Electron's browser process, emulated in the test process: it forks "main"
 * (main-child.ts, better-sqlite3 on a real file) and routes IPC between it and
 * any number of "windows" over real structured-clone boundaries
 * (`child_process.fork` with `serialization: 'advanced'`). A window lives in
 * the test process (`window()`) or in its own child process (`windowProcess()`,
 * so it can be SIGKILLed mid-request).
 *
 * Test hooks: lose answers (main applied the request, the renderer hears
 * "reply was never sent"), stop and resume serving, kill and restart main,
 * and send raw messages from any frame (forged senders, hostile payloads).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { EmulatedIpcRenderer, type InvokeResult } from './emulated-renderer'
import type { FrameSpec, FromMain, MainChildOptions, ToMain } from './wire'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const TSX = ['--conditions=source', '--import', 'tsx']

export const APP_FRAME: FrameSpec = { url: 'app://todo/index.html', origin: 'app://todo', mainFrame: true }

/** A user to run a process as (file permissions do not bind root). */
export interface RunAs {
  uid: number
  gid: number
}

/** Forks a TypeScript file of this folder with the advanced (structured clone) IPC serialization. */
export function forkTs(script: string, args: readonly string[], as?: RunAs): ChildProcess {
  return fork(fileURLToPath(new URL(`./${script}`, import.meta.url)), [...args], {
    cwd: ROOT,
    execArgv: TSX,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Another user may not read root's home: tsx keeps its cache under TMPDIR.
    env: { ...process.env, NODE_OPTIONS: '', ...(as ? { HOME: tmpdir() } : {}) },
    ...(as ?? {}),
  })
}

export interface EmulatedWindow {
  readonly webContentsId: number
  readonly ipcRenderer: EmulatedIpcRenderer
}

interface Pending {
  resolve: (result: InvokeResult) => void
  channel: string
}

export class EmulatedElectron {
  private main!: ChildProcess
  private nextInvoke = 1
  private nextWindow = 1
  private readonly pending = new Map<number, Pending>()
  private readonly renderers = new Map<number, EmulatedIpcRenderer>()
  private readonly remoteWindows = new Map<number, ChildProcess>()
  private readonly waiters: Array<{ t: FromMain['t']; resolve: () => void }> = []
  private losing: { count: number; when: (args: unknown[]) => boolean } | undefined
  private readonly invokeWatchers: Array<{
    when: (webContentsId: number, args: unknown[]) => boolean
    resolve: () => void
  }> = []
  /** Every request that reached main, in order (what the hostile tests count). */
  readonly invoked: Array<{ webContentsId: number; args: unknown[] }> = []

  private constructor(
    private readonly options: MainChildOptions,
    private readonly mainAs?: RunAs,
  ) {}

  /** Starts main (as the user `mainAs` when given). */
  static async start(options: MainChildOptions, mainAs?: RunAs): Promise<EmulatedElectron> {
    const electron = new EmulatedElectron(options, mainAs)
    await electron.startMain()
    return electron
  }

  private async startMain(): Promise<void> {
    const main = forkTs('main-child.ts', [JSON.stringify(this.options)], this.mainAs)
    this.main = main
    const ready = this.next('ready')
    main.on('message', (message: FromMain) => this.fromMain(message))
    main.on('exit', () => {
      if (this.main !== main) return
      // Electron: a renderer whose main went away never hears back.
      for (const [id, pending] of this.pending) {
        this.pending.delete(id)
        pending.resolve({
          ok: false,
          message: `Error invoking remote method '${pending.channel}': reply was never sent`,
        })
      }
    })
    await ready
  }

  private fromMain(message: FromMain): void {
    if (message.t === 'fatal') throw new Error(`main crashed: ${message.message}`)
    if (message.t === 'invoke-result') {
      const pending = this.pending.get(message.id)
      if (!pending) return
      this.pending.delete(message.id)
      pending.resolve(
        message.ok ? { ok: true, value: message.value } : { ok: false, message: message.message },
      )
      return
    }
    if (message.t === 'send') {
      this.renderers.get(message.webContentsId)?.deliver(message.channel, message.args)
      // Electron drops a send to a renderer that is gone. A killed window's channel may still look
      // connected: skip a closed one, and ignore the EPIPE of one that dies mid-send.
      const window = this.remoteWindows.get(message.webContentsId)
      if (window?.connected)
        window.send({ t: 'send', channel: message.channel, args: message.args }, (error) => {
          if (error && !isClosingPipe(error)) throw error
        })
      return
    }
    const i = this.waiters.findIndex((w) => w.t === message.t)
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve()
  }

  private next(t: FromMain['t']): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ t, resolve }))
  }

  private post(message: ToMain): void {
    if (this.main.connected) this.main.send(message)
  }

  /** Carries one ipcRenderer.invoke from a window's frame to main. */
  invoke(
    webContentsId: number,
    frame: FrameSpec | null,
    channel: string,
    args: unknown[],
  ): Promise<InvokeResult> {
    const id = this.nextInvoke++
    this.invoked.push({ webContentsId, args })
    for (const watcher of [...this.invokeWatchers])
      if (watcher.when(webContentsId, args)) {
        this.invokeWatchers.splice(this.invokeWatchers.indexOf(watcher), 1)
        watcher.resolve()
      }
    const lose = this.losing && this.losing.count > 0 && this.losing.when(args)
    if (lose) this.losing!.count--
    return new Promise<InvokeResult>((resolve) => {
      if (!this.main.connected)
        return resolve({
          ok: false,
          message: `Error invoking remote method '${channel}': reply was never sent`,
        })
      this.pending.set(id, {
        channel,
        resolve: lose
          ? () =>
              resolve({
                ok: false,
                message: `Error invoking remote method '${channel}': reply was never sent`,
              })
          : resolve,
      })
      this.post({ t: 'invoke', id, webContentsId, frame, channel, args })
    })
  }

  /** A window in the test process, showing `frame` (default: the app's own page). */
  window(frame: FrameSpec = APP_FRAME): EmulatedWindow {
    const webContentsId = this.nextWindow++
    const ipcRenderer = new EmulatedIpcRenderer((channel, args) =>
      this.invoke(webContentsId, frame, channel, args),
    )
    this.renderers.set(webContentsId, ipcRenderer)
    return { webContentsId, ipcRenderer }
  }

  /** A window whose renderer is its own process (window-child.ts `args`), routed like any other. */
  windowProcess(
    script: string,
    args: readonly string[],
    frame: FrameSpec = APP_FRAME,
  ): {
    webContentsId: number
    child: ChildProcess
  } {
    const webContentsId = this.nextWindow++
    const child = forkTs(script, args)
    this.remoteWindows.set(webContentsId, child)
    child.on('message', (message: { t: string; id?: number; channel?: string; args?: unknown[] }) => {
      if (message.t !== 'invoke') return
      void this.invoke(webContentsId, frame, message.channel!, message.args!).then((result) => {
        if (child.connected)
          child.send({ t: 'invoke-result', id: message.id, ...result }, (error) => {
            if (error && !isClosingPipe(error)) throw error
          })
      })
    })
    child.on('exit', () => {
      this.remoteWindows.delete(webContentsId)
      // The renderer process is gone; Electron tells main, then the window closes.
      this.post({ t: 'webcontents', webContentsId, event: 'render-process-gone' })
      this.post({ t: 'webcontents', webContentsId, event: 'destroyed' })
    })
    return { webContentsId, child }
  }

  /** Resolves when a request `when` picks is on its way to main. */
  whenInvoked(when: (webContentsId: number, args: unknown[]) => boolean): Promise<void> {
    return new Promise((resolve) => this.invokeWatchers.push({ when, resolve }))
  }

  /** The next `count` answers to requests `when` picks are lost after main handled them. */
  loseAnswers(count: number, when: (args: unknown[]) => boolean): void {
    this.losing = { count, when }
  }

  get answersStillToLose(): number {
    return this.losing?.count ?? 0
  }

  /** Main's webContents for a window fires `event`. */
  windowEvent(webContentsId: number, event: 'destroyed' | 'did-navigate' | 'render-process-gone'): void {
    this.post({ t: 'webcontents', webContentsId, event })
  }

  /** Calls the stop function exposeElectronSQLitePersistence returned. */
  async stopServing(): Promise<void> {
    const stopped = this.next('stopped')
    this.post({ t: 'stop' })
    await stopped
  }

  async serveAgain(): Promise<void> {
    const ready = this.next('ready')
    this.post({ t: 'serve' })
    await ready
  }

  /** SIGKILLs main (the file stays as SQLite left it). */
  async killMain(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.main.once('exit', () => resolve()))
    this.main.kill('SIGKILL')
    await exited
  }

  /** A new main process on the same file, serving the same windows. */
  async restartMain(): Promise<void> {
    await this.startMain()
  }

  async close(): Promise<void> {
    for (const child of this.remoteWindows.values()) child.kill('SIGKILL')
    if (this.main.exitCode === null && this.main.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.main.once('exit', () => resolve()))
      this.main.kill('SIGTERM')
      await exited
    }
  }
}

/** The write error of an IPC channel whose process just died (SIGKILL): nothing to deliver to. */
function isClosingPipe(error: Error): boolean {
  const code = (error as { code?: unknown }).code
  return code === 'EPIPE' || code === 'ERR_IPC_CHANNEL_CLOSED' || code === 'ECONNRESET'
}
