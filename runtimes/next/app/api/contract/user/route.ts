// Written exactly as a user writes it (the seed README's example, faster): the ROOT entry, a module-level
// handler, and `force-dynamic` so Next never tries to prerender the stream.
import { createSSEHandler } from 'use-next-sse'

export const dynamic = 'force-dynamic'

export const GET = createSSEHandler((send, close) => {
  let count = 0
  const interval = setInterval(() => {
    send({ count: count++ }, 'counter')
    if (count >= 3) close()
  }, 10)
  return () => clearInterval(interval)
})
