// The fake model API: POST { prompt, id } streams `token` events, then `done`, like a model's streaming
// endpoint. The answer route relays it; nothing here knows about the page.
import { createSSEHandler } from 'use-next-sse/server'
import { runOf, TOKEN_INTERVAL, tokensFor } from '../../_lib/model'

export const dynamic = 'force-dynamic'

export const POST = createSSEHandler<{ token: { text: string }; done: { tokens: number } }>(
  async (send, close, { request, signal }) => {
    const { prompt = '', id = '' } = (await request.json().catch(() => ({}))) as { prompt?: string; id?: string }
    const run = runOf(String(id))
    const tokens = tokensFor(String(prompt))
    let next = 0
    const timer = setInterval(() => {
      if (next === tokens.length) {
        run.done = true
        send({ tokens: next }, 'done')
        return close()
      }
      if (signal.aborted) run.afterAbort++
      run.produced++
      send({ text: tokens[next++]! }, 'token')
    }, TOKEN_INTERVAL)
    // The relay aborted its fetch (its own client stopped): stop generating at once.
    return () => {
      clearInterval(timer)
      if (!run.done) run.aborted = true
    }
  },
)
