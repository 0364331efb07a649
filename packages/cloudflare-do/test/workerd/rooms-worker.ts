/**
 * A Worker that routes `/objects/<name>/<path>` to the NotesObject named
 * `<name>`: what restart.test.ts bundles and runs in Miniflare (real workerd)
 * with persisted storage, to restart workerd under it.
 */
export { NotesObject } from './notes-object'

interface Env {
  NOTES: DurableObjectNamespace
}

export default {
  fetch(request: Request, env: Env): Promise<Response> | Response {
    const url = new URL(request.url)
    const match = /^\/objects\/([^/]+)(\/.*)$/.exec(url.pathname)
    if (!match) return new Response('not found', { status: 404 })
    const stub = env.NOTES.get(env.NOTES.idFromName(decodeURIComponent(match[1]!)))
    return stub.fetch(new Request(new URL(`${match[2]}${url.search}`, url.origin), request))
  },
}
