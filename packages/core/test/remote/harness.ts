import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach } from 'vitest'
import {
  RemoteUnavailableError,
  createRemotePersistence,
  type OperationNotice,
  type OperationRequest,
  type OperationResponse,
  type RemotePersistence,
  type RemoteTransport,
} from '../../src/remote'
import type { FromServer, ToServer } from './server-process'

/**
 * A PersistDB operation server in a child Node process ("main"), talked to
 * over a real structured-clone boundary (fork with serialization: 'advanced').
 * Each `connect()` is one client ("window") with its own transport, shaped as
 * an Electron renderer sees it: `send` ≈ ipcRenderer.invoke, `onNotice` ≈
 * ipcRenderer.on for webContents.send. Shared with the Electron package's tests.
 */
export class ServerProcess {
  private child!: ChildProcess
  private nextId = 0
  private readonly pending = new Map<
    number,
    { resolve: (r: OperationResponse) => void; reject: (e: unknown) => void }
  >()
  private readonly noticeListeners = new Map<string, Set<(notice: OperationNotice) => void>>()
  private exited = false

  private constructor(
    readonly path: string,
    readonly mode: 'sync' | 'async',
    readonly allowedOrigin: string | undefined,
  ) {}

  static async start(
    path: string,
    mode: 'sync' | 'async' = 'sync',
    allowedOrigin?: string,
  ): Promise<ServerProcess> {
    const server = new ServerProcess(path, mode, allowedOrigin)
    await server.spawn()
    return server
  }

  private spawn(): Promise<void> {
    this.exited = false
    const script = fileURLToPath(new URL('./server-process.ts', import.meta.url))
    const args = [this.path, this.mode, ...(this.allowedOrigin ? [this.allowedOrigin] : [])]
    this.child = fork(script, args, {
      serialization: 'advanced',
      execArgv: ['--conditions=source', '--import', 'tsx'],
    })
    const child = this.child
    child.on('message', (message: FromServer) => this.onMessage(message))
    child.on('exit', () => {
      if (child !== this.child) return
      this.exited = true
      for (const { reject } of this.pending.values())
        reject(new RemoteUnavailableError('the main process exited'))
      this.pending.clear()
    })
    return new Promise((resolve, reject) => {
      child.once('message', (m: FromServer) => (m.t === 'ready' ? resolve() : reject(new Error('bad start'))))
      child.once('exit', (code) => reject(new Error(`server process exited with ${String(code)}`)))
    })
  }

  private onMessage(message: FromServer): void {
    if (message.t === 'response' || message.t === 'lost') {
      const waiter = this.pending.get(message.id)
      this.pending.delete(message.id)
      if (message.t === 'lost') waiter?.reject(new Error('the answer was lost'))
      else waiter?.resolve(message.response as OperationResponse)
    } else if (message.t === 'notice') {
      for (const listener of this.noticeListeners.get(message.peer) ?? []) listener(message.notice)
    }
  }

  private post(message: ToServer): void {
    this.child.send(message)
  }

  /** Sends any request as `peer` (hostile tests send what PersistDB never would). */
  request(
    request: unknown,
    peer: { id: string; origin?: string },
    file?: string,
  ): Promise<OperationResponse> {
    if (this.exited) return Promise.reject(new RemoteUnavailableError('the main process is not running'))
    const id = ++this.nextId
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.post({ t: 'request', id, peer, request, file })
    })
  }

  /** One client's transport ("a window"); `file`: another database main serves (default: `path`). */
  transport(peerId: string, origin = this.allowedOrigin, file?: string): RemoteTransport {
    return {
      send: (request: OperationRequest) => this.request(request, { id: peerId, origin }, file),
      onNotice: (listener) => {
        let set = this.noticeListeners.get(peerId)
        if (!set) this.noticeListeners.set(peerId, (set = new Set()))
        set.add(listener)
        return () => set.delete(listener)
      },
    }
  }

  connect(peerId: string, origin?: string): RemotePersistence {
    return createRemotePersistence(this.transport(peerId, origin))
  }

  /** A window on database `file`, served by this same main beside `path`. */
  connectTo(file: string, peerId: string): RemotePersistence {
    return createRemotePersistence(this.transport(peerId, this.allowedOrigin, file))
  }

  loseAnswers(op: string, count: number): void {
    this.post({ t: 'lose-answers', op, count })
  }

  disconnect(peerId: string): void {
    this.post({ t: 'disconnect', peer: peerId })
    this.noticeListeners.delete(peerId)
  }

  stopServing(): void {
    this.post({ t: 'stop' })
  }

  /** SIGKILL, as a crashed main process. */
  async kill(): Promise<void> {
    if (this.exited) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGKILL')
    await exited
  }

  async restart(): Promise<void> {
    await this.kill()
    await this.spawn()
  }
}

/**
 * A test file's mains: `start()` runs one on a new file in a temporary
 * directory named `prefix`; each is killed after its test, the directory
 * removed after the file.
 */
export function useServers(prefix: string): {
  start(mode?: 'sync' | 'async', allowedOrigin?: string): Promise<ServerProcess>
} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  let running: ServerProcess[] = []
  let files = 0
  afterEach(async () => {
    await Promise.all(running.map((s) => s.kill()))
    running = []
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return {
    async start(mode = 'sync', allowedOrigin) {
      const server = await ServerProcess.start(join(dir, `db-${++files}.sqlite`), mode, allowedOrigin)
      running.push(server)
      return server
    },
  }
}
