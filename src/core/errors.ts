/**
 * Every failure the library reports at run time, as a stable string you can switch on.
 *
 * - `CALLBACK_FAILED`: a callback threw or rejected: the handler's (the stream was closed), or the
 *   client's `reconnect` function (the client closed for good; `cause` is the thrown value).
 * - `CLEANUP_FAILED`: a destructor (`onClose`, a returned cleanup) threw or rejected.
 * - `BUFFER_OVERFLOW`: a client read too slowly and more than `maxBufferSize` waited for it;
 *   the connection was cut so that the client reconnects and resumes.
 * - `EVENT_TOO_LARGE`: one event was larger than `maxBufferSize` by itself; it was refused and the
 *   connection stays open (cutting it would bring the client back for the same event, forever).
 * - `HTTP_STATUS`: the server answered with a status other than 200 (`status`); fatal, unless the
 *   client's reconnection is on and the status is worth retrying (502, 503, 504, 429, a 401 with a
 *   `headers` function, what `retryStatus` accepts), or it is a 431 or 414 to a resumed request.
 * - `CONTENT_TYPE`: the response was not `text/event-stream` (the client does not retry).
 * - `NO_CONTENT`: the server answered 204, the spec's "stop reconnecting" signal.
 * - `NETWORK`: the request failed or the stream broke; the client retries if allowed.
 * - `HEADERS_FAILED`: the client's `headers` function threw or rejected (or gave headers that `Headers`
 *   refuses), so no request was sent; `cause` is the thrown value. Retried as `NETWORK` is.
 * - `MAX_ATTEMPTS`: the client gave up after its reconnect policy's last attempt.
 * - `PARSE`: an event's data could not be parsed (for example invalid JSON in `useSSE`).
 * - `VALIDATION`: an event's data did not pass the `schema` option; `issues` lists why (or `cause` holds
 *   what the schema threw). The next valid event clears it.
 * - `MAX_BUFFER_SIZE`: a line or event grew past the parser's `maxBufferSize`.
 * - `HISTORY_GAP`: a client resumed from an id older than the channel's history.
 * - `BACKPLANE`: a channel backplane (Redis) failed; it reconnects and resumes on its own.
 */
export type SSEErrorCode =
  | 'CALLBACK_FAILED'
  | 'CLEANUP_FAILED'
  | 'BUFFER_OVERFLOW'
  | 'EVENT_TOO_LARGE'
  | 'HTTP_STATUS'
  | 'CONTENT_TYPE'
  | 'NO_CONTENT'
  | 'NETWORK'
  | 'HEADERS_FAILED'
  | 'MAX_ATTEMPTS'
  | 'PARSE'
  | 'VALIDATION'
  | 'MAX_BUFFER_SIZE'
  | 'HISTORY_GAP'
  | 'BACKPLANE'

/**
 * The one error class of use-next-sse. Misuse (a bad argument) throws a plain `TypeError` instead, as
 * the platform does; everything that goes wrong at run time is an `SSEError` with a `code`.
 *
 * @example
 * ```ts
 * import { isSSEError } from 'use-next-sse/client'
 * source.onerror = () => {
 *   if (isSSEError(source.error) && source.error.code === 'HTTP_STATUS') showLogin()
 * }
 * ```
 */
export class SSEError extends Error {
  override readonly name = 'SSEError'
  /** What went wrong; see {@link SSEErrorCode}. */
  readonly code: SSEErrorCode
  /** The HTTP status, for `HTTP_STATUS` and `NO_CONTENT`. */
  readonly status?: number
  /** What the schema found wrong, for `VALIDATION` (Standard Schema issues: a message, and a path). */
  readonly issues?: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<unknown> }>

  constructor(
    code: SSEErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; issues?: SSEError['issues'] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options?.status !== undefined) this.status = options.status
    if (options?.issues !== undefined) this.issues = options.issues
  }
}

/**
 * Whether `value` is an {@link SSEError}. Checks the `name` and `code` too, because `instanceof`
 * fails when the error comes from another realm (an edge VM, a worker, a second copy of the package).
 *
 * @example
 * ```ts
 * if (isSSEError(err, 'NO_CONTENT')) console.log('server asked us to stop')
 * ```
 */
export function isSSEError(value: unknown, code?: SSEErrorCode): value is SSEError {
  const ok =
    value instanceof SSEError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as SSEError).name === 'SSEError' &&
      typeof (value as SSEError).code === 'string')
  return ok && (code === undefined || (value as SSEError).code === code)
}
