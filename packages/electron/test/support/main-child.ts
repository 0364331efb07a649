/**
 * The Electron main process, emulated: a forked Node process that owns the
 * SQLite file (better-sqlite3 through @persistdb/node) and serves it with
 * exposeElectronSQLitePersistence over emulated ipcMain / webContents.
 * Started by EmulatedElectron (electron-emulation.ts).
 */
import { createNodeSQLitePersistence } from '@persistdb/node'
import { exposeElectronSQLitePersistence } from '../../src/main'
import { EmulatedIpcMain, EmulatedWebContents, frameOf } from './emulated-main'
import type { FromMain, MainChildOptions, ToMain } from './wire'

const options = JSON.parse(process.argv[2] ?? '{}') as MainChildOptions
const post = (message: FromMain) => process.send?.(message)

const persistence = createNodeSQLitePersistence({ path: options.file })
const ipcMain = new EmulatedIpcMain()
const windows = new Map<number, EmulatedWebContents>()
const windowOf = (id: number) => {
  let found = windows.get(id)
  if (!found) windows.set(id, (found = new EmulatedWebContents(id, post)))
  return found
}

const serve = () =>
  exposeElectronSQLitePersistence({
    persistence,
    ipcMain,
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.allowOrigins
      ? {
          allowSender: {
            origins: options.allowOrigins,
            allowSubframes: options.allowSubframes ?? false,
          },
        }
      : {}),
    ...(options.collections ? { collections: options.collections } : {}),
    ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
  })
let stop: (() => Promise<void>) | undefined = serve()

process.on('message', (message: ToMain) => {
  switch (message.t) {
    case 'invoke': {
      const event = {
        sender: windowOf(message.webContentsId),
        senderFrame: frameOf(message.frame),
      }
      void ipcMain
        .dispatch(message.channel, event, message.args)
        .then((result) => post({ t: 'invoke-result', id: message.id, ...result }))
      return
    }
    case 'webcontents': {
      const window = windowOf(message.webContentsId)
      if (message.event === 'destroyed') {
        window.destroy()
        windows.delete(message.webContentsId)
      } else window.emit(message.event)
      return
    }
    case 'stop':
      void (stop ?? (async () => undefined))().then(() => {
        stop = undefined
        post({ t: 'stopped' })
      })
      return
    case 'serve':
      stop ??= serve()
      post({ t: 'ready' })
      return
  }
})

process.on('uncaughtException', (error) => post({ t: 'fatal', message: String(error?.stack ?? error) }))
post({ t: 'ready' })
