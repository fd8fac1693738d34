/**
 * The SSE handler every framework fixture mounts: numbered `tick` events that resume after the
 * client's `Last-Event-ID`, and a count of the cleanups run per connection id, which each fixture
 * serves as JSON through its own routing (`/cleanups?id=…`). The handler is the one a user writes; only
 * the few lines that mount it differ per framework, and the README's "Mounting it" copies them.
 *
 *   GET /events?id=…&count=N&interval=ms   ticks n+1, n+2, … (n = Last-Event-ID, or 0), `count` of them
 *                                           (default: no end) every `interval` ms (default 20), then close()
 */
import { createSSEHandler } from 'use-next-sse/server'

/** What one fixture's handler has done, by connection id. */
export interface Cleanups {
  [id: string]: number
}

/**
 * A fresh handler and its cleanup counts (one per fixture, so that fixtures never share state).
 *
 * @example
 * ```ts
 * const { handler, cleanups } = ticks()
 * app.get('/events', (c) => handler(c.req.raw))
 * app.get('/cleanups', (c) => c.json({ count: cleanups[c.req.query('id') ?? ''] ?? 0 }))
 * ```
 */
export function ticks() {
  const cleanups: Cleanups = {}
  const handler = createSSEHandler((send, close, { request, lastEventId }) => {
    // Node adapters hand over a full URL; the base only guards against one that is a bare path.
    const url = new URL(request.url, 'http://localhost')
    const id = url.searchParams.get('id') ?? ''
    const count = Number(url.searchParams.get('count') ?? Number.POSITIVE_INFINITY)
    const interval = Number(url.searchParams.get('interval') ?? 20)
    const first = lastEventId !== null && /^\d+$/.test(lastEventId) ? Number(lastEventId) + 1 : 1
    let n = first
    const tick = () => {
      send({ n }, { event: 'tick', id: String(n) })
      if (++n - first >= count) close()
    }
    const timer = setInterval(tick, interval)
    tick()
    return () => {
      clearInterval(timer)
      cleanups[id] = (cleanups[id] ?? 0) + 1
    }
  })
  return { handler, cleanups, countOf: (id: string | null | undefined) => ({ count: cleanups[id ?? ''] ?? 0 }) }
}
