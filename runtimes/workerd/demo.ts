/**
 * The demo Worker, served by `wrangler dev` from the top-level wrangler.toml (worker.ts hands it every
 * path under /demo): a clock whose `fetch` is a `createSSEHandler` handler, a page that reads it with the
 * browser's own EventSource, and the server-side counts that show cleanups running.
 *
 *   GET /demo/             the page (its query string is passed on to the stream)
 *   GET /demo/events       `tick` events every `interval` ms (default 1000), `count` of them (default:
 *                          no end), then close(); resumes after `Last-Event-ID`
 *   GET /demo/stats        what the Worker saw, as JSON
 */
import { createSSEHandler } from 'use-next-sse/server'

/** The Workers `ExecutionContext`, as much of it as this file uses. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void
}

export interface DemoStats {
  /** Streams started. */
  opened: number
  /** Streams whose cleanup has not run yet. */
  open: number
  /** Cleanups after the last tick (the Worker closed the stream). */
  completed: number
  /** Cleanups before it (the client went away). */
  disconnected: number
  /** Whether the last stream's callback found the Worker's `ctx` (with `waitUntil`) in `context.args`. */
  waitUntil: boolean
}

// Module state lives as long as the isolate: one isolate under `wrangler dev`.
const stats: DemoStats = { opened: 0, open: 0, completed: 0, disconnected: 0, waitUntil: false }

const cors = { 'Access-Control-Allow-Origin': '*' }

function numberParam(url: URL, name: string, fallback: number): number {
  const value = Number(url.searchParams.get(name) ?? Number.NaN)
  return Number.isFinite(value) && value >= 0 ? value : fallback
}

const events = createSSEHandler<unknown, [unknown, ExecutionContext]>(
  (send, close, { request, lastEventId, args }) => {
    const url = new URL(request.url)
    const count = numberParam(url, 'count', Number.POSITIVE_INFINITY)
    const interval = Math.max(50, numberParam(url, 'interval', 1000))
    stats.opened++
    stats.open++
    stats.waitUntil = typeof args[1]?.waitUntil === 'function'

    // A reconnecting client says where it was: carry on from the next tick.
    const first = lastEventId !== null && /^\d+$/.test(lastEventId) ? Number(lastEventId) + 1 : 0
    let n = first
    const tick = () => {
      send({ n, at: Date.now() }, { event: 'tick', id: String(n) })
      n++
      if (n - first >= count) {
        clearInterval(timer)
        close()
      }
    }
    const timer = setInterval(tick, interval)
    tick()

    return () => {
      clearInterval(timer)
      stats.open--
      if (n - first >= count) stats.completed++
      else stats.disconnected++
    }
  },
  {
    // workerd (2026-04-26) notices that a client left only when it next writes to the socket: a short
    // keep-alive bounds how long an idle stream's cleanup waits (about two intervals at most).
    keepAlive: 1000,
    headers: cors,
  },
)

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>use-next-sse on Cloudflare Workers</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%234f46e5'/%3E%3C/svg%3E">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 640px; margin: 40px auto; padding: 0 20px; color: #1c2030; }
  .status { display: inline-block; border-radius: 999px; padding: 2px 10px; font-size: 13px; font-weight: 600; background: #eef0f3; }
  .status.open { background: #e8f7ee; color: #16a34a; }
  ol { font-family: ui-monospace, monospace; font-size: 13px; }
</style>
</head>
<body>
<h1>use-next-sse on Cloudflare Workers</h1>
<p>The browser's own <code>EventSource</code>, reading <code>createSSEHandler</code> in workerd.
State: <span id="state" class="status">connecting</span></p>
<ol id="ticks"></ol>
<script>
  const ticks = (window.ticks = [])
  const state = document.getElementById('state')
  const show = (s) => { state.textContent = s; state.className = 'status ' + s }
  const source = new EventSource('/demo/events' + location.search)
  source.onopen = () => show('open')
  source.addEventListener('tick', (event) => {
    ticks.push({ data: JSON.parse(event.data), lastEventId: event.lastEventId })
    const li = document.createElement('li')
    li.textContent = 'tick ' + event.lastEventId + ' ' + event.data
    document.getElementById('ticks').append(li)
  })
  // The end of the stream: stop here rather than reconnect, and say so.
  source.onerror = () => { source.close(); show('closed') }
</script>
</body>
</html>
`

export default {
  fetch(request: Request, env: unknown, ctx: ExecutionContext): Response {
    const { pathname } = new URL(request.url)
    switch (pathname) {
      case '/demo':
      case '/demo/':
        return new Response(page, { headers: { 'Content-Type': 'text/html; charset=utf-8' } })
      case '/demo/events':
        return events(request, env, ctx)
      case '/demo/stats':
        return Response.json(stats, { headers: cors })
      default:
        return new Response('Not found', { status: 404 })
    }
  },
}
