// Server: app/api/metrics/route.ts, as in the README (plus a first sample at once, and the watcher count).
import { createSSEHandler } from 'use-next-sse'
import { fetchMetrics, type Metrics, watchers } from '../../_lib/metrics'

export const dynamic = 'force-dynamic'

// Typed by its events: the dashboard imports this handler's type, so both ends agree on `metrics`.
// biome-ignore lint/correctness/noUnusedFunctionParameters: the README's signature
export const GET = createSSEHandler<{ metrics: Metrics }>((send, close) => {
  watchers(+1)
  const tick = async () => {
    const metrics = await fetchMetrics()
    send(metrics, 'metrics')
  }
  // The README waits five seconds for the first sample; a dashboard should not start empty.
  void tick()
  const interval = setInterval(tick, 5000)

  return () => {
    clearInterval(interval)
    watchers(-1)
  }
})
