// The README's "Basic counter example", on the Node.js runtime: ten events, one a second, then close().
import { createSSEHandler } from 'use-next-sse'

export const dynamic = 'force-dynamic'

/** What the server saw, for the e2e tests: read with POST on this same route (see below). */
const stats = { opened: 0, open: 0, completed: 0, disconnected: 0 }

export const GET = createSSEHandler((send, close) => {
  stats.opened++
  stats.open++
  let count = 0
  const interval = setInterval(() => {
    send({ count: count++ }, 'counter')
    if (count >= 10) {
      clearInterval(interval)
      close()
    }
  }, 1000)

  // Return cleanup function
  return () => {
    clearInterval(interval)
    stats.open--
    // Ten events sent: the server closed. Fewer: the client went away first.
    if (count >= 10) stats.completed++
    else stats.disconnected++
  }
})

// Debug counts, in this module so they are the GET's own (edge routes share no module state across
// route files). A POST so that the GET above stays exactly the README's.
export function POST() {
  return Response.json(stats)
}
