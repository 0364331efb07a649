import { InvalidOptionsError } from '@persistdb/core'
import type { ElectronFrame, ElectronInvokeEvent } from './electron-types'

/** What main knows about the frame a refused request came from. */
export interface RefusedSender {
  url: string
  origin: string
  mainFrame: boolean
}

/** The frame a request came from, as `allowSender` sees it. */
export interface SenderInfo {
  /** `WebFrameMain.url` of the sending frame. */
  url: string
  /** `WebFrameMain.origin` (`"null"` for opaque origins such as most `file://` pages). */
  origin: string
  /** False for iframes (subframes are refused unless `allowSubframes`). */
  mainFrame: boolean
  /** `webContents.id` of the window the frame lives in. */
  webContentsId: number
}

/**
 * Who may use the database. A function decides per request; the object form
 * is an allow-list. Without it, every window's main frame is allowed and
 * every subframe refused: list your origins when a window can ever show a
 * page you do not ship (remote content, `window.open`, a navigation).
 */
export type AllowSender =
  | ((sender: SenderInfo) => boolean)
  | {
      /** Exact origins, e.g. `'app://bundle'`, `'http://localhost:5173'`. */
      origins?: readonly string[]
      /** Exact URLs, or patterns tested against the whole URL. */
      urls?: ReadonlyArray<string | RegExp>
      /** Accept iframes too (default false). */
      allowSubframes?: boolean
    }

export type SenderVerdict = { ok: true; sender: SenderInfo } | { ok: false; refused: RefusedSender | null }

/** Compiles `allowSender` once; the result judges each request's `event`. */
export function senderPolicy(allow: AllowSender | undefined): (event: ElectronInvokeEvent) => SenderVerdict {
  const accepts = compile(allow)
  return (event) => {
    const frame = readFrame(event.senderFrame)
    if (!frame) return { ok: false, refused: null }
    const sender: SenderInfo = { ...frame, webContentsId: event.sender.id }
    let allowed = false
    try {
      allowed = accepts(sender) === true
    } catch {
      // A throwing policy refuses: never serve on an error.
      allowed = false
    }
    return allowed ? { ok: true, sender } : { ok: false, refused: frame }
  }
}

function readFrame(frame: ElectronFrame | null | undefined): RefusedSender | null {
  if (!frame) return null
  const { url, origin } = frame
  if (typeof url !== 'string' || typeof origin !== 'string') return null
  return { url, origin, mainFrame: frame.parent === null }
}

function compile(allow: AllowSender | undefined): (sender: SenderInfo) => boolean {
  if (allow === undefined) return (sender) => sender.mainFrame
  if (typeof allow === 'function') return allow
  if (typeof allow !== 'object' || allow === null)
    throw new InvalidOptionsError(
      'exposeElectronSQLitePersistence: `allowSender` must be a function or an object.',
    )
  const origins = new Set(allow.origins ?? [])
  const urls = [...(allow.urls ?? [])]
  for (const url of urls)
    if (typeof url !== 'string' && !(url instanceof RegExp))
      throw new InvalidOptionsError(
        'exposeElectronSQLitePersistence: `allowSender.urls` holds strings or RegExps.',
      )
  if (origins.size === 0 && urls.length === 0)
    throw new InvalidOptionsError(
      'exposeElectronSQLitePersistence: `allowSender` lists no origins and no URLs, so it would refuse every ' +
        'window. List at least one, or leave `allowSender` out to allow every main frame.',
    )
  const subframes = allow.allowSubframes === true
  const matchers = urls.map(urlMatcher)
  return (sender) =>
    (subframes || sender.mainFrame) &&
    (origins.has(sender.origin) || matchers.some((matches) => matches(sender.url)))
}

/** A pattern must match the whole URL: a forgotten `^`/`$` cannot let `https://evil/?app://x` through. */
function urlMatcher(url: string | RegExp): (candidate: string) => boolean {
  if (typeof url === 'string') return (candidate) => candidate === url
  const whole = new RegExp(`^(?:${url.source})$`, url.flags.replace(/[gy]/g, ''))
  return (candidate) => whole.test(candidate)
}
