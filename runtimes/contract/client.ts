/**
 * The test side of the contract: what a runtime harness must provide ({@link Target}), and a reader
 * that decodes a response body with an independent parser (eventsource-parser) while keeping the raw
 * text for exact-byte checks. Nothing here waits on a fixed delay: every wait has a deadline and fails
 * with a message saying what it was waiting for.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { DEADLINE } from '../harness/poll'

/** A response as the harness sees it. Checked by shape: responses from a VM or a socket are not `Response`s. */
export interface Opened {
  status: number
  header(name: string): string | null
  read(): Promise<{ done: boolean; value?: Uint8Array }>
  /** Aborts the request (the fetch's or the Request's signal). */
  abort(): void
  /** Cancels the body, as a client that stops reading does. */
  cancel(): Promise<void>
}

/** How a test reaches one runtime's copy of the contract app. */
export interface Target {
  /** Starts `route` with the given query (a GET unless `method` says); resolves when the response head arrived. */
  open(route: string, query: Record<string, string>, headers?: Record<string, string>, method?: string): Promise<Opened>
  /** A plain request to a JSON route (`log`, `ack`, `broadcast`). */
  json<T>(route: string, query: Record<string, string>): Promise<T>
}

const streams = new Set<Stream>()

/** Cancels every stream a test left open (also when it failed half-way). */
export async function closeAll(): Promise<void> {
  const open = [...streams]
  streams.clear()
  await Promise.all(open.map((s) => s.cancel()))
}

export class Stream {
  /** Every byte received, decoded (no BOM stripping: the parser sees what the wire carried). */
  text = ''
  chunks = 0
  events: EventSourceMessage[] = []
  comments: string[] = []
  retries: number[] = []
  ended = false
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  private readonly parser = createParser({
    onEvent: (event) => this.events.push(event),
    onComment: (comment) => this.comments.push(comment),
    onRetry: (retry) => this.retries.push(retry),
  })

  constructor(readonly response: Opened) {
    streams.add(this)
  }

  /** Reads one chunk; false at the end of the body (or when the read fails after a disconnect). */
  private async readOne(deadline: number, what: string): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.text)}`)),
        deadline - Date.now(),
      )
    })
    try {
      const { done, value } = await Promise.race([this.response.read(), late])
      if (done || value === undefined) {
        this.end()
        return false
      }
      // Copied: a chunk from another realm (an edge VM) is not a host Uint8Array.
      const text = this.decoder.decode(new Uint8Array(value), { stream: true })
      this.chunks++
      this.text += text
      this.parser.feed(text)
      return true
    } finally {
      clearTimeout(timer)
    }
  }

  private end(): void {
    this.ended = true
    streams.delete(this)
  }

  /** Reads until `done()` holds; fails on the deadline, or if the body ends first. */
  async until(done: (s: this) => boolean, what: string, timeout = DEADLINE): Promise<this> {
    const deadline = Date.now() + timeout
    while (!done(this)) {
      if (!(await this.readOne(deadline, what))) {
        if (done(this)) break
        throw new Error(`the body ended while waiting for ${what}; got ${JSON.stringify(this.text)}`)
      }
    }
    return this
  }

  /** Waits until `count` events arrived in total. */
  eventCount(count: number): Promise<this> {
    return this.until((s) => s.events.length >= count, `${count} event(s)`)
  }

  /** Waits until `count` comments (the first flush and keep-alives) arrived in total. */
  commentCount(count: number): Promise<this> {
    return this.until((s) => s.comments.length >= count, `${count} comment(s)`)
  }

  /** Reads to the end of the body; fails if it does not end before the deadline. */
  async toEnd(timeout = DEADLINE): Promise<this> {
    const deadline = Date.now() + timeout
    while (await this.readOne(deadline, 'the end of the body')) {}
    return this
  }

  /** Client-side disconnect by cancelling the body reader. */
  async cancel(): Promise<void> {
    if (this.ended) return
    this.end()
    await this.response.cancel().catch(() => {})
  }

  /** Client-side disconnect by aborting the request. */
  abort(): void {
    this.end()
    this.response.abort()
  }
}

/** Opens `route` and wraps the body in a {@link Stream}. */
export async function open(
  target: Target,
  route: string,
  query: Record<string, string>,
  headers?: Record<string, string>,
  method?: string,
): Promise<Stream> {
  return new Stream(await target.open(route, query, headers, method))
}

/** Shape of a `Response` from any realm (host, edge VM, undici). */
interface ResponseLike {
  status: number
  headers: { get(name: string): string | null }
  body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> } } | null
}

/** Wraps a response and the controller that aborts its request. A response without a body (HEAD, 204) reads as ended. */
export function opened(response: ResponseLike, aborter: { abort(): void }): Opened {
  const reader = response.body?.getReader()
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    read: () => reader?.read() ?? Promise.resolve({ done: true }),
    abort: () => aborter.abort(),
    cancel: () => reader?.cancel() ?? Promise.resolve(),
  }
}

export function urlOf(base: string, route: string, query: Record<string, string>): string {
  return `${base}/${route}?${new URLSearchParams(query)}`
}

/** The part of `fetch` a target uses: the global one, or one bound to a dispatcher (undici's, for TLS). */
export type Fetch = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<Response>

/**
 * A target reached over HTTP with fetch (node:http, workerd, Next); `fetcher` replaces the global fetch
 * (one that trusts a test's own certificate, say).
 */
export function httpTarget(base: string, fetcher: Fetch = fetch): Target {
  return {
    async open(route, query, headers, method) {
      const aborter = new AbortController()
      const response = await fetcher(urlOf(base, route, query), { method, headers, signal: aborter.signal })
      return opened(response, aborter)
    },
    async json(route, query) {
      const url = urlOf(base, route, query)
      // A GET is idempotent, so one retry is safe. It answers a race of HTTP/1.1 keep-alive: the
      // server (Bun with a short idleTimeout, say) closes a pooled idle connection just as undici sends
      // the next request on it, and the request fails with UND_ERR_SOCKET "other side closed", or with
      // ECONNRESET when the close lands after the request was written (seen with Bun 1.4.4 under load).
      const response = await fetcher(url).catch((error: Error & { cause?: { code?: string } }) => {
        if (!['UND_ERR_SOCKET', 'ECONNRESET'].includes(error.cause?.code ?? '')) throw error
        return fetcher(url)
      })
      if (!response.ok) throw new Error(`${route} answered ${response.status}: ${await response.text()}`)
      return response.json()
    },
  }
}
