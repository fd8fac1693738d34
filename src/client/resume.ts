import { LAST_EVENT_ID_PARAM } from '../core'

/** What {@link resumeFrom} needs of the page: the `location` of a browser or worker. */
export interface PageLocation {
  readonly href: string
  readonly origin: string
}

/**
 * Puts the id a reconnection resumes from where the server will find it without costing a preflight,
 * and returns the URL to fetch.
 *
 * Same-origin (and wherever there is no page, as in Node, where CORS does not apply): the
 * `Last-Event-ID` header, as the native EventSource sends it. Cross-origin: the
 * {@link LAST_EVENT_ID_PARAM} query parameter instead, replacing one the URL already has (a page that
 * resumes after a reload passes its saved id that way). A header set by script is not CORS-safelisted,
 * so sending it would make the browser ask a preflight that a server set up for the native EventSource
 * (`Access-Control-Allow-Origin` only) does not answer; the native EventSource is exempt, a fetch is not.
 * `createSSEHandler` reads either into `context.lastEventId`.
 *
 * Cross-origin means the URL's origin differs from `page.origin`, so a page whose own origin is opaque
 * (`"null"`: a sandboxed iframe, `file:`) counts every URL as cross-origin, which is what its fetches are.
 *
 * @param id The last event id: not empty (an empty id is not sent at all, 9.2.4).
 * @param headers The request's headers: gets `Last-Event-ID` when the id goes there.
 * @example
 * ```ts
 * // on https://app.example.com
 * resumeFrom('https://api.example.com/feed?room=a&lastEventId=1', '7', headers)
 * // 'https://api.example.com/feed?room=a&lastEventId=7', and no header
 * resumeFrom('/feed', '7', headers) // '/feed', and headers has last-event-id: 7
 * ```
 * @see https://fetch.spec.whatwg.org/#cors-safelisted-request-header
 * @internal
 */
export function resumeFrom(
  url: string,
  id: string,
  headers: Headers,
  page: PageLocation | undefined = globalThis.location,
): string {
  let target: URL | undefined
  try {
    if (page) target = new URL(url, page.href)
  } catch {
    // Not a URL fetch could take either: it will fail as a network error, whatever carries the id.
  }
  if (!target || target.origin === page?.origin) {
    // Header values are byte strings: send the id as UTF-8 bytes, as browsers do (9.2.4). The parser
    // decodes bytes, so the id never holds a lone surrogate, which encodeURIComponent would refuse.
    headers.set('last-event-id', unescape(encodeURIComponent(id)))
    return url
  }
  // The rest of the query is kept byte for byte: URLSearchParams would re-encode all of it (`%20` as
  // `+`, `/` as `%2F`), and not every server reads a query as a form.
  const pairs = target.search
    .slice(1)
    .split('&')
    .filter((pair) => pair && new URLSearchParams(pair).keys().next().value !== LAST_EVENT_ID_PARAM)
  pairs.push(`${LAST_EVENT_ID_PARAM}=${encodeURIComponent(id)}`)
  target.search = pairs.join('&')
  return target.href
}
