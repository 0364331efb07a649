/**
 * Electron main process: serves one PersistDB persistence to every window
 * over one IPC channel. Each message is judged before PersistDB reads it
 * (sender frame, size, plain data, allowed collections), then validated and
 * run as a PersistDB operation by core's operation server, which builds the
 * SQL itself. Answers are envelopes: the handler never throws, so a renderer
 * never sees a bare "Error invoking remote method".
 */
import { InvalidOptionsError, type PersistenceError, type SQLitePersistence } from '@persistdb/core'
import {
  RemoteRequestRefusedError,
  serveOperations,
  toEnvelope,
  type OperationNotice,
  type OperationResponse,
  type ServeOperationsOptions,
} from '@persistdb/core/remote'
import { noticeChannel } from './channel'
import { CollectionAllowList } from './collection-allow-list'
import type { ElectronInvokeEvent, ElectronIpcMain, ElectronWebContents } from './electron-types'
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_MESSAGE_BYTES, inspectMessage } from './message-guard'
import { checkedChannel } from './preload'
import { senderPolicy, type AllowSender, type SenderInfo } from './sender-policy'
import { WindowPeers } from './window-peers'

export interface ExposeElectronSQLitePersistenceOptions {
  /** The persistence to serve, e.g. `createNodeSQLitePersistence({ path })` (better-sqlite3 rebuilt for Electron). */
  persistence: SQLitePersistence
  /** Electron's `ipcMain`. */
  ipcMain: ElectronIpcMain
  /** IPC channel (the renderer and preload use the same). Default `'persistdb'`. */
  channel?: string
  /** Which frames may use the database. Default: every window's main frame; subframes never. */
  allowSender?: AllowSender
  /** Collection ids renderers may open; any other is refused. Default: any. */
  collections?: readonly string[]
  /** Largest message accepted, in bytes (structured-clone size, roughly). Default 16 MiB. */
  maxMessageBytes?: number
  /**
   * Local-only collections' migrations by collection id (a function cannot cross IPC, so migrations
   * run here, where the file is): `(row, fromVersion) => newRow`.
   */
  migrations?: ServeOperationsOptions['migrations']
  /** Told about every refused message (for logging); never about accepted ones. */
  onRefused?: (refusal: { sender: SenderInfo | null; error: PersistenceError }) => void
}

/** Stops serving: removes the IPC handler, then waits for requests already being handled. */
export type StopServing = () => Promise<void>

/**
 * Serves `persistence` to renderers on `channel`; returns the function that
 * stops serving (the persistence stays open: close it yourself after).
 */
export function exposeElectronSQLitePersistence(
  options: ExposeElectronSQLitePersistenceOptions,
): StopServing {
  if (!options || typeof options !== 'object')
    throw new InvalidOptionsError('exposeElectronSQLitePersistence needs { persistence, ipcMain }.')
  const { ipcMain, persistence } = options
  if (!ipcMain || typeof ipcMain.handle !== 'function' || typeof ipcMain.removeHandler !== 'function')
    throw new InvalidOptionsError("exposeElectronSQLitePersistence needs Electron's `ipcMain`.")
  if (!persistence) throw new InvalidOptionsError('exposeElectronSQLitePersistence needs a `persistence`.')
  const channel = checkedChannel(options.channel)
  const notices = noticeChannel(channel)
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1024)
    throw new InvalidOptionsError(
      'exposeElectronSQLitePersistence: `maxMessageBytes` must be an integer ≥ 1024.',
    )
  const judgeSender = senderPolicy(options.allowSender)
  const allowList = options.collections ? new CollectionAllowList(options.collections) : undefined

  const server = serveOperations(persistence, options.migrations ? { migrations: options.migrations } : {})
  const windows = new WindowPeers((peerId) => server.disconnect(peerId))
  const inFlight = new Set<Promise<unknown>>()
  let serving = true

  const refuse = (sender: SenderInfo | null, error: PersistenceError): OperationResponse => {
    try {
      options.onRefused?.({ sender, error })
    } catch {
      // A logging hook must not change the answer.
    }
    return { ok: false, error: toEnvelope(error) }
  }

  const peerOf = (contents: ElectronWebContents, sender: SenderInfo) => ({
    id: WindowPeers.peerId(contents),
    origin: sender.origin,
    notify: (notice: OperationNotice) => {
      // After stop() a window hears nothing more: its next request finds no handler.
      if (!serving || contents.isDestroyed()) return
      try {
        contents.send(notices, notice)
      } catch {
        // Destroyed between the check and the send: 'destroyed' forgets it.
      }
    },
  })

  const handle = async (event: ElectronInvokeEvent, args: unknown[]): Promise<OperationResponse> => {
    const verdict = judgeSender(event)
    if (!verdict.ok) return refuse(null, senderRefused(channel, verdict.refused))
    const { sender } = verdict
    const message = args[0]
    if (args.length !== 1)
      return refuse(
        sender,
        new RemoteRequestRefusedError('malformed', `expected one message, got ${args.length}`),
      )
    const inspected = inspectMessage(message, { maxBytes, maxDepth: DEFAULT_MAX_DEPTH })
    if (!inspected.ok)
      return refuse(
        sender,
        new RemoteRequestRefusedError(
          inspected.reason,
          inspected.reason === 'too-large'
            ? `${inspected.detail}; commit fewer rows per transaction or raise maxMessageBytes`
            : inspected.detail,
        ),
      )
    const outside = allowList?.refusal(message)
    if (outside !== undefined)
      return refuse(sender, new RemoteRequestRefusedError('unknown-collection', outside))
    windows.join(event.sender)
    const answer = await server.handle(message, peerOf(event.sender, sender))
    allowList?.opened(message, answer)
    return answer
  }

  ipcMain.handle(channel, (event, ...args) => {
    const answer = handle(event, args).catch((error: unknown): OperationResponse => ({
      ok: false,
      error: toEnvelope(error),
    }))
    inFlight.add(answer)
    void answer.finally(() => inFlight.delete(answer))
    return answer
  })

  return async () => {
    if (!serving) return
    serving = false
    ipcMain.removeHandler(channel)
    await Promise.allSettled([...inFlight])
    windows.clear()
    server.close()
  }
}

function senderRefused(channel: string, frame: { url: string; origin: string; mainFrame: boolean } | null) {
  return new RemoteRequestRefusedError(
    'forbidden-sender',
    `IPC channel "${channel}" refused ` +
      (frame
        ? `${frame.mainFrame ? 'the main frame' : 'a subframe'} at ${JSON.stringify(frame.url.slice(0, 200))} ` +
          `(origin ${JSON.stringify(frame.origin.slice(0, 100))})`
        : 'a frame that no longer exists') +
      "; only the main frame of an allowed page may use the database: list the app's origins in " +
      'exposeElectronSQLitePersistence({ allowSender })',
  )
}
