/**
 * The query parameter that carries the last event id when a request cannot send the `Last-Event-ID`
 * header for free. A header set by script is not CORS-safelisted, so a fetch-based client sending it
 * cross-origin costs a preflight that a server set up for the native EventSource does not answer; the
 * URL costs nothing. `use-next-sse/client` puts it there on cross-origin reconnections, a page can put
 * it there itself (the id it saved before a reload), and `createSSEHandler` reads it into
 * `context.lastEventId` whenever the header is absent. The header wins when both are present.
 *
 * @example
 * ```ts
 * import { LAST_EVENT_ID_PARAM } from 'use-next-sse/client'
 *
 * // Resume after a reload from the id this tab saved.
 * const saved = sessionStorage.getItem('feed:last-id')
 * const url = saved ? `/api/feed?${LAST_EVENT_ID_PARAM}=${encodeURIComponent(saved)}` : '/api/feed'
 * ```
 */
export const LAST_EVENT_ID_PARAM = 'lastEventId'
