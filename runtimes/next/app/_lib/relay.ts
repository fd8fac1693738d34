import { ParserStream } from 'use-next-sse/client'
import { createSSEHandler } from 'use-next-sse/server'

/** The events the answer routes send: the model's tokens, relayed one by one. */
export type AnswerEvents = { token: { text: string } }

/**
 * The answer route, the same on the Node.js and the Edge runtime: it POSTs the prompt to the model API
 * with the request's own `signal`, and relays each token as it arrives. Stopping works at every hop: the
 * page's `close()` aborts its request, so this `signal` aborts, which aborts the upstream fetch, so the
 * model's stream ends and it stops generating. `send` does not wait for the browser: what it has not
 * taken is bounded by `maxBufferSize`, past which it is cut off, which aborts this `signal` too.
 */
export function answerRoute() {
  return createSSEHandler<AnswerEvents>(async (send, close, { request, signal }) => {
    const { prompt = '', id = '' } = (await request.json().catch(() => ({}))) as { prompt?: string; id?: string }
    try {
      const upstream = await fetch(new URL('/api/model', request.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt, id }),
        signal,
      })
      // A reader loop rather than `for await`: the Edge runtime's streams are not all async iterable.
      const reader = upstream.body!.pipeThrough(new ParserStream()).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done || value.type === 'done') break
        if (value.type === 'token') send(JSON.parse(value.data), 'token')
      }
    } catch (error) {
      // Stopped: the aborted fetch rejects, and that is the point. Anything else is a real failure.
      if (!signal.aborted) throw error
    }
    close()
  })
}
