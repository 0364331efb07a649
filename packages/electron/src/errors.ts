import { PersistenceError } from '@persistdb/core'

/** What main knows about the frame a refused request came from. */
export interface RefusedSender {
  url: string
  origin: string
  mainFrame: boolean
}

/**
 * Main refused a request because of who sent it: a subframe, a frame whose
 * origin or URL `allowSender` does not accept, or a frame that was gone
 * before main looked. Nothing was read or written.
 */
export class IpcSenderRefusedError extends PersistenceError {
  constructor(channel: string, sender: RefusedSender | null) {
    super(
      'PERSISTDB_IPC_SENDER_REFUSED',
      `PersistDB refused a request on IPC channel "${channel}" from ` +
        (sender
          ? `${sender.mainFrame ? 'the main frame' : 'a subframe'} at ${JSON.stringify(sender.url)} ` +
            `(origin ${JSON.stringify(sender.origin)}). `
          : 'a frame that no longer exists. ') +
        'Nothing was read or written. Only the main frame of an allowed page may use the database: list ' +
        "the app's origins in exposeElectronSQLitePersistence({ allowSender }).",
    )
  }
}

/** Why a message was refused before PersistDB read it. */
export type RefusedMessageReason = 'too-large' | 'malformed'

/**
 * Main refused a message before it reached PersistDB: larger than
 * `maxMessageBytes`, or not something PersistDB's renderer sends (not plain
 * structured-clone data, too deeply nested, sparse arrays, ...). Nothing was
 * read or written.
 */
export class IpcMessageRefusedError extends PersistenceError {
  readonly reason: RefusedMessageReason

  constructor(channel: string, reason: RefusedMessageReason, detail: string) {
    super(
      'PERSISTDB_IPC_MESSAGE_REFUSED',
      `PersistDB refused a message on IPC channel "${channel}": ${detail}. Nothing was read or written. ` +
        (reason === 'too-large'
          ? 'Commit fewer rows per transaction, or raise maxMessageBytes in exposeElectronSQLitePersistence.'
          : 'Only messages sent by createElectronSQLitePersistence are accepted.'),
    )
    this.reason = reason
  }
}

/**
 * The main process does not serve PersistDB on this channel: the server was
 * stopped, never started (no handler registered), or main is gone. With
 * `outcome: 'not-applied'` main answered that it has no handler, so nothing
 * was done; with `'unknown'` the request was on its way when main went away.
 */
export class IpcUnavailableError extends PersistenceError {
  readonly outcome: 'not-applied' | 'unknown'

  constructor(channel: string, detail: string, outcome: 'not-applied' | 'unknown', cause?: unknown) {
    super(
      'PERSISTDB_IPC_UNAVAILABLE',
      `The Electron main process does not serve PersistDB on IPC channel "${channel}" (${detail}). ` +
        (outcome === 'unknown'
          ? 'The request was sent before main went away: whether it was applied is unknown until main serves ' +
            'again (a commit that was applied shows up in every window through the change notices). '
          : 'Nothing was applied. ') +
        'Call exposeElectronSQLitePersistence({ persistence, ipcMain }) in main before windows load, with the ' +
        'same `channel` as the renderer, and keep it running while windows use the database.',
      { cause },
    )
    this.outcome = outcome
  }
}
