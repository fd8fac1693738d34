/*
 * The request side of the Node adapter: a Node request as a Web `Request`, or as the lazy source that
 * `createSSEHandler`'s connection reads directly.
 */
import type { Body, RequestSource } from '../core'
import type { NodeRequestLike } from './types'

/** The request's URL, from its path, Host header and socket. */
function urlOf(req: NodeRequestLike): URL {
  try {
    return new URL(
      req.url ?? '/',
      `${(req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`,
    )
  } catch {
    // A malformed Host header must not turn into a 500: the path is all the handler needs.
    return new URL(req.url ?? '/', 'http://localhost')
  }
}

/** The Node request as a Web `Request` with `signal`; a body as it streams in, or as a framework parsed it. */
export function toRequest(req: NodeRequestLike, signal: AbortSignal): Request {
  const url = urlOf(req)
  const headers = new Headers()
  const raw = req.rawHeaders ?? Object.entries(req.headers).flatMap(([k, v]) => [v ?? ''].flat().flatMap((x) => [k, x]))
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] as string, raw[i + 1] as string)
    } catch {
      // Node accepts header values a Web Headers refuses (e.g. obsolete line folding); drop those only.
    }
  }
  const method = req.method ?? 'GET'
  let body: Body | undefined
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = req.body
    if (parsed !== undefined) {
      body = typeof parsed === 'string' || parsed instanceof Uint8Array ? (parsed as Body) : JSON.stringify(parsed)
    } else if (req[Symbol.asyncIterator]) {
      const iterator = req[Symbol.asyncIterator]!()
      body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await iterator.next()
          if (done) controller.close()
          else controller.enqueue(value as Uint8Array)
        },
        cancel: () => void iterator.return?.(),
      })
    }
  }
  return new Request(url, { method, headers, body, signal, duplex: 'half' } as RequestInit)
}

/**
 * A Node request as `createSSEHandler`'s connection reads it (method, a header, the URL), made into a Web
 * `Request` only if the callback asks for `context.request`: an idle connection is spared the Request,
 * its Headers and its AbortController (about 3 kB). Its signal, once made, aborts when the client goes.
 */
export class NodeSource implements RequestSource {
  readonly #req: NodeRequestLike
  #aborter: AbortController | undefined
  #request: Request | undefined
  #gone = false
  constructor(req: NodeRequestLike) {
    this.#req = req
  }
  get method(): string {
    return this.#req.method ?? 'GET'
  }
  get url(): string {
    return urlOf(this.#req).href
  }
  header(name: string): string | null {
    const value = this.#req.headers[name]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  }
  toRequest(): Request {
    if (this.#request === undefined) {
      this.#aborter = new AbortController()
      if (this.#gone) this.#aborter.abort()
      this.#request = toRequest(this.#req, this.#aborter.signal)
    }
    return this.#request
  }
  /** The client is gone: the request's signal (if one was made) aborts. */
  abort(): void {
    this.#gone = true
    this.#aborter?.abort()
  }
}
