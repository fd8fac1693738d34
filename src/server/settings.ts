import { encodePreamble } from '../core'
import { type CorsPolicy, corsOf } from './cors'
import type { Destructor, SSEHandlerOptions } from './types'

/** Handler options, validated once per handler rather than once per request. */
export interface Settings {
  /** The first bytes of every stream (see `encodePreamble`). */
  first: string
  keepAlive: number | false
  maxBufferSize: number
  onClose: Destructor | undefined
  onError: (error: unknown) => void
  cors: CorsPolicy | undefined
}

const DEFAULT_KEEP_ALIVE = 15_000
const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024

function defaultOnError(error: unknown): void {
  console.error('[use-next-sse]', error)
}

/** Validates the options (a mistake throws a `TypeError` when the handler is made, not per request). */
export function settingsOf(options: SSEHandlerOptions): Settings {
  const { keepAlive = DEFAULT_KEEP_ALIVE, maxBufferSize = DEFAULT_MAX_BUFFER, retry } = options
  if (keepAlive !== false && !(Number.isFinite(keepAlive) && keepAlive > 0)) {
    throw new TypeError(`Invalid keepAlive ${String(keepAlive)}: use a positive number of ms, or false.`)
  }
  if (!(maxBufferSize > 0)) {
    throw new TypeError(`Invalid maxBufferSize ${String(maxBufferSize)}: use a positive number.`)
  }
  if (options.onClose !== undefined && typeof options.onClose !== 'function') {
    throw new TypeError('Invalid onClose option: it must be a function.')
  }
  return {
    // The first bytes go out at once, so proxies and clients see the stream open before any event.
    first: encodePreamble(retry),
    keepAlive,
    maxBufferSize,
    onClose: options.onClose,
    onError: options.onError ?? defaultOnError,
    cors: options.cors === undefined ? undefined : corsOf(options.cors),
  }
}

/** The response headers of every stream: the defaults, then `options.headers` over them. */
export function responseHeaders(options: SSEHandlerOptions): [string, string][] {
  const headers = new Headers({
    'Content-Type': 'text/event-stream',
    // no-transform keeps Next (and other compressing proxies) from gzipping the stream.
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // nginx buffers proxied responses unless told not to.
    'X-Accel-Buffering': 'no',
  })
  if (options.headers) {
    new Headers(options.headers).forEach((value, name) => {
      headers.set(name, value)
    })
  }
  return [...headers]
}
