// Server: app/api/events/route.ts, as in the README: three event types on one stream.
import { createSSEHandler } from 'use-next-sse'

export const dynamic = 'force-dynamic'

type Sensors = { temperature: { temperature: number }; humidity: { humidity: number }; pressure: { pressure: number } }

// biome-ignore lint/correctness/noUnusedFunctionParameters: the README's signature
export const GET = createSSEHandler<Sensors>((send, close) => {
  // Send different event types
  const interval1 = setInterval(() => {
    send({ temperature: Math.random() * 30 }, 'temperature')
  }, 1000)

  const interval2 = setInterval(() => {
    send({ humidity: Math.random() * 100 }, 'humidity')
  }, 2000)

  const interval3 = setInterval(() => {
    send({ pressure: Math.random() * 1000 + 900 }, 'pressure')
  }, 3000)

  return () => {
    clearInterval(interval1)
    clearInterval(interval2)
    clearInterval(interval3)
  }
})
