/**
 * Renderer: a persistence for `persistedCollectionOptions` whose every
 * operation goes to main over one IPC channel (core's remote persistence),
 * and whose collections hear main's change notices.
 */
import {
  createRemotePersistence,
  RemoteUnavailableError,
  type OperationNotice,
  type OperationResponse,
  type RemotePersistence,
} from '@persistdb/core/remote'
import { rendererLink, type ElectronRendererTransport } from './renderer-transport'

export interface CreateElectronSQLitePersistenceOptions {
  /** IPC channel; the same as `exposeElectronSQLitePersistence({ channel })`. Default `'persistdb'`. */
  channel?: string
}

/**
 * In a renderer: `createElectronSQLitePersistence({ bridge: window.persistdb })`
 * (with the preload's exposePersistDBBridge), or `{ ipcRenderer }`, or
 * `{ invoke, onNotice }`.
 */
export function createElectronSQLitePersistence(
  transport: ElectronRendererTransport,
  options: CreateElectronSQLitePersistenceOptions = {},
): RemotePersistence {
  const link = rendererLink(transport, options.channel)
  return createRemotePersistence({
    send: async (request) => {
      const answer = await link.send(request)
      if (!isResponse(answer))
        throw new RemoteUnavailableError(
          `the handler on IPC channel "${link.channel}" is not PersistDB's (it answered something else)`,
        )
      return answer
    },
    onNotice: (listener) =>
      link.onNotice((notice) => {
        if (isNotice(notice)) listener(notice)
      }),
  })
}

function isResponse(value: unknown): value is OperationResponse {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean'
}

function isNotice(value: unknown): value is OperationNotice {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined
  return kind === 'changes' || kind === 'reload' || kind === 'failed'
}
