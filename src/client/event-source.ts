import type { SSEError } from '../core'
import { acrossTabs } from './cross-tab'
import type { SSEEventName } from './options'
import { CLOSED, CONNECTING, OPEN, type ReadyState } from './ready-state'
import { connect, type EventSourceInit, type SourceListener } from './source-connection'

export type { EventSourceInit } from './source-connection'

/**
 * The `error` event: `error` is why, or `null` when the server simply ended the stream.
 *
 * @example
 * ```ts
 * source.addEventListener('error', (event) => {
 *   if (event.error?.code === 'NO_CONTENT') console.log('the server asked us to stop')
 * })
 * ```
 */
export type SSEErrorEvent = Event & { readonly error: SSEError | null }

/**
 * Event types and the events they carry; any other name is a `MessageEvent` from an `event:` field.
 *
 * @example
 * ```ts
 * source.addEventListener('open', (event) => {}) // Event
 * source.addEventListener('update', (event) => JSON.parse(event.data)) // SSEMessageEvent
 * ```
 */
export interface EventSourceEventMap {
  open: Event
  message: SSEMessageEvent
  error: SSEErrorEvent
}

/**
 * A dispatched event: a `MessageEvent` with text `data` (typed here without the DOM lib, so Node projects
 * compile the declarations too).
 *
 * @example
 * ```ts
 * source.addEventListener('update', (event: SSEMessageEvent) => console.log(event.lastEventId, event.data))
 * ```
 */
export interface SSEMessageEvent extends Event {
  readonly data: string
  readonly lastEventId: string
  readonly origin: string
}

type Listener<E> = ((this: EventSource, event: E) => unknown) | { handleEvent(event: E): unknown } | null
type Options = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal }

/**
 * The WHATWG `EventSource`, built on `fetch` and {@link createParser}, so the same code runs in browsers,
 * Node, jsdom/happy-dom, edge runtimes and workers. With only `withCredentials` it behaves as the spec
 * says: `Accept: text/event-stream`, no cache; 200 with `text/event-stream` opens; any other status
 * (204 included) or content type fails for good; a network error or the end of the stream fires `error`
 * and reconnects after the reconnection time with `Last-Event-ID`. Once `close()` is called nothing more
 * fires. Cross-origin (the URL's origin is not `location.origin`), the id travels as the query parameter
 * `lastEventId` instead, so that, like the native EventSource, it sends no header that costs a preflight.
 *
 * Beyond the spec: `init` takes `headers`, `method`, `body`, `fetch`, `idleTimeout`, `retryStatus`,
 * `shareAcrossTabs` (one connection per browser, see {@link EventSourceInit.shareAcrossTabs}) and a
 * `reconnect` policy (under which 502, 503, 504, 429, and 401 with a `headers` function, are retried
 * instead of failing), and {@link EventSource.error} (also on the `error` event) says why the last
 * failure happened. Two departures apply in every mode: no byte for `idleTimeout` (45 s by default)
 * counts as a network error, and a 431 or 414 answering a resumed request (the id too long for that
 * server) is retried once without the id.
 *
 * @example
 * ```ts
 * import { EventSource, isSSEError } from 'use-next-sse/client'
 *
 * const source = new EventSource('/api/feed', {
 *   headers: async () => ({ authorization: `Bearer ${await getToken()}` }),
 *   reconnect: { delay: 1000, maxDelay: 30_000, maxAttempts: 10 },
 * })
 * source.addEventListener('update', (event) => render(JSON.parse(event.data)))
 * source.onerror = () => {
 *   if (isSSEError(source.error, 'HTTP_STATUS') && source.error.status === 401) logIn()
 * }
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: typed listeners, see the interface below.
// biome-ignore lint/correctness/noUnusedVariables: `Events` is read by the interface merged below.
export class EventSource<Events = any> extends EventTarget {
  static readonly CONNECTING = CONNECTING
  static readonly OPEN = OPEN
  static readonly CLOSED = CLOSED
  readonly CONNECTING = CONNECTING
  readonly OPEN = OPEN
  readonly CLOSED = CLOSED
  /** The absolute URL. */
  readonly url: string
  readonly withCredentials: boolean
  /** `CONNECTING` (0) while connecting or waiting to reconnect, `OPEN` (1), or `CLOSED` (2) for good. */
  readonly readyState: ReadyState = CONNECTING
  /**
   * Why the last `error` event fired: an `SSEError` with code `NETWORK`, `HEADERS_FAILED` (the `headers`
   * function threw or rejected; retried like `NETWORK`), `HTTP_STATUS` (with `status`), `NO_CONTENT`,
   * `CONTENT_TYPE`, `MAX_ATTEMPTS` (its `cause` the last failure), `MAX_BUFFER_SIZE` or `CALLBACK_FAILED`
   * (the `reconnect` or `retryStatus` function threw; closed for good); `null` before any failure, once
   * a connection opens, and when the server ended the stream normally. While a retried status waits
   * (`readyState` `CONNECTING`), it is that `HTTP_STATUS` with its `status`.
   */
  readonly error: SSEError | null = null
  onopen: ((this: EventSource, event: Event) => unknown) | null = null
  onmessage: ((this: EventSource, event: SSEMessageEvent) => unknown) | null = null
  onerror: ((this: EventSource, event: SSEErrorEvent) => unknown) | null = null
  /** Aborts the request or the pending reconnection: the source is `CLOSED` and fires nothing more. */
  readonly close: () => void

  /**
   * @param url Resolved against `location.href` where there is one (browsers, workers); must be
   * absolute elsewhere. An invalid URL throws a `SyntaxError` `DOMException`, as in browsers.
   */
  constructor(url: string | URL, init: EventSourceInit = {}) {
    super()
    try {
      this.url = new URL(url, globalThis.location?.href).href
    } catch {
      throw new DOMException(`Invalid URL: ${url}`, 'SyntaxError')
    }
    this.withCredentials = !!init.withCredentials
    // readyState and error are read-only to users only.
    const self = this as { readyState: ReadyState; error: SSEError | null }
    let origin = ''
    const listener: SourceListener = {
      onEvent: ({ type, data, lastEventId }) =>
        this.dispatchEvent(new MessageEvent(type, { data, lastEventId, origin })),
      onState: ({ state, error, url }) => {
        self.readyState = state
        self.error = error
        // The origin of the final URL, after redirects (9.2.5), worked out once per connection.
        if (state === OPEN) origin = new URL(url).origin
        this.dispatchEvent(state === OPEN ? new Event('open') : Object.assign(new Event('error'), { error }))
      },
    }
    // Shared: this source is one member of the browser's connection (the same as a store's across tabs),
    // not of a connection shared inside the tab: like a native EventSource, each source is its own.
    const connection = init.shareAcrossTabs ? acrossTabs(this.url, init)(listener) : connect(this.url, init, listener)
    this.close = () => {
      connection.close()
      self.readyState = CLOSED
    }
    // The event handler attributes, as listeners added first (browsers add them when first set).
    for (const type of ['open', 'message', 'error'] as const) {
      this.addEventListener(type, (event: any) => this[`on${type}`]?.call(this, event))
    }
  }
}

// Typed listeners, as lib.dom types the native EventSource: declarations only, no code. `Events` (a typed
// route handler, `typeof GET`, or `SSEEvents<Map>`) limits the names to its events; by default any name.
export interface EventSource<Events = any> {
  addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<EventSourceEventMap[K]>,
    options?: Options,
  ): void
  addEventListener(type: SSEEventName<Events>, listener: Listener<SSEMessageEvent>, options?: Options): void
  removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<EventSourceEventMap[K]>,
    options?: Options,
  ): void
  removeEventListener(type: SSEEventName<Events>, listener: Listener<SSEMessageEvent>, options?: Options): void
}
