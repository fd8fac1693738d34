/*
 * What a store (and so `useSSE`) is given and gives back: its options, the data type a type argument
 * stands for, and the snapshot. Types only; the store itself is store.ts.
 */
import type { EventName, EventsOf, HeadersLike, SSEError } from '../core'
import type { ReconnectPolicy } from './backoff'
import type { ParsedEvent } from './parser'
import type { StandardSchema } from './schema'

/**
 * `connecting` (also while waiting to reconnect), `open`, or `closed` for good.
 *
 * @example
 * ```ts
 * const label: Record<SSEConnectionState, string> = { connecting: '…', open: 'live', closed: 'offline' }
 * ```
 */
export type SSEConnectionState = 'connecting' | 'open' | 'closed'

/**
 * The data a store or hook typed by `T` holds. `T` is the data type itself (`useSSE<{ count: number }>`,
 * the original meaning), or a typed route handler (`useSSE<typeof GET>`) or `SSEEvents<Map>`, whose
 * events' data it then is: the data of event `E` when the name is given as a type
 * (`useSSE<typeof GET, 'counter'>`), else of any of them.
 *
 * @example
 * ```ts
 * type Feed = SSEEvents<{ counter: { count: number }; done: null }>
 * type Data = SSEData<Feed> // { count: number } | null
 * type Counter = SSEData<Feed, 'counter'> // { count: number }
 * type Same = SSEData<{ count: number }> // { count: number }
 * ```
 */
export type SSEData<T, E extends string = SSEEventName<T>> = [EventsOf<T>] extends [never]
  ? IsHandler<T> extends true
    ? any
    : T
  : EventsOf<T>[E & EventName<EventsOf<T>>]

/** A function type: a handler without an event map (event data is JSON, never a function). @internal */
type IsHandler<T> = [T] extends [(...args: any[]) => any] ? true : false

/**
 * The event names `T` allows: any string for a data type, the names of its map for a typed handler.
 *
 * @example
 * ```ts
 * const name: SSEEventName<typeof GET> = 'counter' // 'countr' would not compile
 * ```
 */
export type SSEEventName<T> = [EventsOf<T>] extends [never] ? string : EventName<EventsOf<T>>

/**
 * Options of `useSSE` and {@link createSSEStore}. The first four are the original `use-next-sse` API.
 *
 * @example
 * ```ts
 * const options: SSEOptions<{ count: number }> = {
 *   url: '/api/sse',
 *   eventName: 'counter',
 *   reconnect: { interval: 2000, maxAttempts: 10, backoff: true },
 *   onMessage: (data) => console.log(data.count),
 * }
 * ```
 */
export interface SSEOptions<T = any, E extends string = SSEEventName<T>> {
  /** The endpoint, relative to the page or absolute. */
  url: string
  /** The event type to listen to (the server's `event:` field). Defaults to `'message'`. */
  eventName?: E
  /**
   * Reconnection after the stream ends or a network error. `false` (the default): the state becomes
   * `closed`. `true`: the defaults below. An object: `interval` (ms between attempts, default 1000, never
   * below the server's `retry:`), `maxAttempts` (failed attempts in a row before giving up with a
   * `MAX_ATTEMPTS` error; default 5; the count starts again on every successful open) and `backoff`
   * (`true`, or `{ factor, maxDelay, jitter }`: grow the interval exponentially, with jitter; default off,
   * and when on defaults `factor` 2, `maxDelay` 30000 ms, `jitter` 0.5). With reconnection on, 502, 503,
   * 504 and 429 are retried like a network error (waiting at least their `Retry-After`), and 401 too
   * when `headers` is a function (see `retryStatus`); meanwhile `connectionState` is `connecting` and
   * `error` the last failure (`HTTP_STATUS` with its `status`). The count of failed attempts starts
   * again once a connection proves healthy by staying open 5 s. Other
   * statuses, 204 and a wrong content type never reconnect.
   */
  reconnect?:
    | boolean
    | {
        interval?: number
        maxAttempts?: number
        backoff?: boolean | Pick<ReconnectPolicy, 'factor' | 'maxDelay' | 'jitter'>
      }
  /** Sends cookies cross-origin (`credentials: 'include'`). Defaults to `false`. */
  withCredentials?: boolean
  /**
   * Extra request headers: a plain object, or a function called before every (re)connection (for a
   * fresh token). Connections are shared by value of `url`, `withCredentials`, `reconnect` and an object
   * `headers`; a function is not compared, so the first subscriber's one is used. A function that throws
   * or rejects sends no request: `error` is an `SSEError` `HEADERS_FAILED` (its `cause` what was thrown),
   * retried under `reconnect` like a network error (so with `reconnect` off the state becomes `closed`).
   * Defaults to none.
   */
  headers?: Record<string, string> | (() => HeadersLike | Promise<HeadersLike>)
  /**
   * With `reconnect` on, whether a response with this status is retried instead of closing for good;
   * `retriedByDefault` is the default answer (`true` for 502, 503, 504, 429, and 401 when `headers` is
   * a function). The latest options' function is used. Defaults to that default.
   */
  retryStatus?: (status: number, retriedByDefault: boolean) => boolean
  /**
   * Ms without a byte (event or keep-alive comment) after which the connection is taken for dead and
   * dropped: it reconnects under `reconnect` with `Last-Event-ID` (with `reconnect` off it closes), with
   * a `NETWORK` error. Defaults to 45000 (three of the server's default 15000 ms keep-alives); `false`
   * disables it.
   */
  idleTimeout?: number | false
  /** Connect only while `true`; when `false` the state is `closed`. Defaults to `true`. */
  enabled?: boolean
  /** The request method: `'POST'` to send a prompt or a query. Defaults to `'GET'`. */
  method?: string
  /**
   * The request body: a string as it is, or a plain object or array sent as JSON (with
   * `Content-Type: application/json` unless `headers` sets one). Hooks share a connection only when
   * method and body are equal too. Sent again on every reconnection, so a POST whose side effect must
   * not repeat should keep `reconnect` off (the default).
   */
  body?: string | Record<string, unknown> | readonly unknown[]
  /**
   * How `data` is made from the event's text: `'json'` (the default; empty data gives `null`), `'text'`,
   * or a function. A failure sets `error` to an `SSEError` with code `PARSE` (cleared by the next good
   * event) and never throws.
   */
  parse?: 'json' | 'text' | ((data: string, event: ParsedEvent) => SSEData<T, E>)
  /**
   * Validates the parsed data with any Standard Schema (zod, valibot, arktype...): one schema, or one per
   * event name. Data that fails sets `error` (code `VALIDATION`, with the `issues`) and keeps the last
   * valid `data`; the next valid event clears it. Async schemas keep the events' order.
   */
  schema?: StandardSchema<unknown, SSEData<T, E>> | { readonly [name: string]: StandardSchema | undefined }
  /**
   * Called once for every event, in order, even when several arrive between two renders, with the
   * parsed data and the raw event (`type`, `data` text, `lastEventId`).
   */
  onMessage?: (data: SSEData<T, E>, event: ParsedEvent) => void
  /**
   * One connection per browser instead of one per tab: the tabs of this origin with the same request (the
   * sharing key above) elect one, with the Web Locks API, to hold the connection, and it relays events and
   * states to the others over a `BroadcastChannel`. When that tab closes, navigates away or crashes,
   * another takes over and resumes with `Last-Event-ID` from the last event it saw; events a hand-over
   * resends are dropped by id, so each tab sees each event once. A `headers` function runs in the tab
   * that connects. Turn it on where users keep several tabs open on an HTTP/1.1 server (`next dev`, most
   * self-hosted setups): browsers allow six connections per host there, and each tab's stream holds one.
   * Where Web Locks or `BroadcastChannel` are missing (old browsers, some webviews, workers, Node), or
   * the body is not text, each tab connects on its own. Errors reach other tabs with `code`, `message`
   * and `status`, not `cause`. Defaults to `false`: it moves the connection out of this tab.
   */
  shareAcrossTabs?: boolean
  /** Called each time the connection opens. */
  onOpen?: () => void
  /** Called with each connection or parse error. */
  onError?: (error: SSEError) => void
}

/**
 * What a subscriber sees; a new object on every change.
 *
 * @example
 * ```ts
 * const { data, error, lastEventId, connectionState } = store.getSnapshot()
 * ```
 */
export interface SSESnapshot<T> {
  /** The latest event's parsed data; `null` until the first event. */
  data: T | null
  /** Why the connection failed or the last event could not be parsed; `null` otherwise. */
  error: SSEError | null
  /** The id of the latest event (`null` until an event with an id arrives). */
  lastEventId: string | null
  connectionState: SSEConnectionState
}
