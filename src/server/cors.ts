import type { CorsOptions } from './types'

/** What {@link corsOf} decided for one request. */
export type CorsVerdict =
  /**
   * Not a cross-origin request: no `Origin` header (a same-origin GET, server to server), or the route's
   * own origin (browsers send it on a same-origin POST).
   */
  | { kind: 'none' }
  /** An origin the policy refuses: no stream, no callback. */
  | { kind: 'denied' }
  /** Allowed: these headers go on the response. */
  | { kind: 'allowed'; headers: [string, string][] }

/** A validated `cors` option: decides per request, and answers preflights. */
export interface CorsPolicy {
  check(request: Request): CorsVerdict
  /** The answer to an `OPTIONS` preflight: 204 with the `Access-Control-*` headers, or 403. */
  preflight(request: Request): Response
}

/** Chromium caps a preflight's cache at 2 hours, Firefox at 24; 10 minutes is a safe default. */
const DEFAULT_MAX_AGE = 600

/**
 * Validates the `cors` option once, when the handler is made.
 *
 * Why the preflight answer reflects the requested headers (plus `last-event-id`): a fetch-based
 * EventSource sends whatever headers the app configured (an `Authorization` token), and the policy's
 * job is to say which origins may read the stream, not to second-guess the page's own headers. With
 * `allowHeaders`, exactly those (plus `last-event-id`) are allowed instead.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export function corsOf(options: CorsOptions): CorsPolicy {
  const { origin, credentials = false, allowHeaders, exposeHeaders, maxAge = DEFAULT_MAX_AGE } = options
  if (origin === '*' && credentials) {
    throw new TypeError(
      'Invalid cors option: browsers refuse credentials with the origin "*"; list the origins, or pass a function.',
    )
  }
  if (!(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
    throw new TypeError(`Invalid cors.maxAge ${String(maxAge)}: use a non-negative integer of seconds.`)
  }
  let allowed: (value: string, request: Request) => boolean
  if (typeof origin === 'function') allowed = origin
  else if (origin === '*') allowed = () => true
  else if (typeof origin === 'string') allowed = (value) => value === origin
  else if (Array.isArray(origin)) {
    const set = new Set(origin)
    allowed = (value) => set.has(value)
  } else {
    throw new TypeError(
      'Invalid cors.origin: use "*", an origin, a list of origins, or a function (origin, request) => boolean.',
    )
  }

  /** The headers every allowed response carries. `*` needs no Vary; any other answer depends on the request. */
  const common = (value: string): [string, string][] => {
    const headers: [string, string][] =
      origin === '*' ? [['Access-Control-Allow-Origin', '*']] : [['Access-Control-Allow-Origin', value]]
    if (credentials) headers.push(['Access-Control-Allow-Credentials', 'true'])
    return headers
  }
  const vary = origin === '*' ? undefined : 'Origin'
  const expose = exposeHeaders?.length ? exposeHeaders.join(', ') : undefined

  const decide = (request: Request): CorsVerdict => {
    const value = request.headers.get('origin')
    // A same-origin POST (a fetch-based EventSource with a body) carries Origin too: refusing the route's
    // own page for want of listing itself would be a trap, and it needs no CORS headers.
    if (value === null || (request.url.startsWith(value) && new URL(request.url).origin === value)) {
      return { kind: 'none' }
    }
    let ok = false
    try {
      ok = allowed(value, request) === true
    } catch {
      // A policy function that throws allows nothing: failing closed is the only safe reading.
    }
    return ok ? { kind: 'allowed', headers: common(value) } : { kind: 'denied' }
  }

  return {
    check(request) {
      const verdict = decide(request)
      if (verdict.kind === 'allowed') {
        if (vary) verdict.headers.push(['Vary', vary])
        if (expose) verdict.headers.push(['Access-Control-Expose-Headers', expose])
      }
      return verdict
    },
    preflight(request) {
      const verdict = decide(request)
      const varyOn = [vary, 'Access-Control-Request-Method', 'Access-Control-Request-Headers']
        .filter(Boolean)
        .join(', ')
      if (verdict.kind !== 'allowed') return new Response(null, { status: 403, headers: { Vary: varyOn } })
      const asked = request.headers.get('access-control-request-headers')
      const names = new Set(
        (allowHeaders ?? (asked ? asked.split(',') : [])).map((name) => name.trim().toLowerCase()).filter(Boolean),
      )
      // The id a reconnecting client sends back; allowed always, as the native EventSource may send it.
      names.add('last-event-id')
      const headers: [string, string][] = [
        ...verdict.headers,
        ['Access-Control-Allow-Methods', request.headers.get('access-control-request-method') ?? 'GET'],
        ['Access-Control-Allow-Headers', [...names].join(', ')],
        ['Access-Control-Max-Age', String(maxAge)],
        ['Vary', varyOn],
      ]
      return new Response(null, { status: 204, headers })
    },
  }
}
