// The streams of the lifecycle page: one that ends (a graceful close), one that runs until the client
// closes it, and one URL that answers with something other than an event stream.
import { createSSEHandler } from 'use-next-sse'

export const dynamic = 'force-dynamic'

/** Three ticks, then close(): the client sees a graceful end, not an error. */
const finite = createSSEHandler((send, close) => {
  let n = 0
  const interval = setInterval(() => {
    send({ n: ++n, at: Date.now() })
    if (n >= 3) {
      clearInterval(interval)
      close()
    }
  }, 700)
  return () => clearInterval(interval)
})

/** A tick a second until the client leaves. */
const live = createSSEHandler((send) => {
  let n = 0
  const interval = setInterval(() => send({ n: ++n, at: Date.now() }), 1000)
  return () => clearInterval(interval)
})

export function GET(request: Request) {
  switch (new URL(request.url).searchParams.get('scenario')) {
    case 'finite':
      return finite(request)
    case 'live':
      return live(request)
    default:
      // What a misconfigured proxy or a login redirect hands an EventSource: a 200 that is not a stream.
      // (A 4xx/5xx would do as well, but browsers log those as console errors.)
      return Response.json({ error: 'This is not an event stream.' })
  }
}
