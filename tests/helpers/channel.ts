import { type Channel, type ChannelData, createSSEHandler, type SSEContext } from '../../src/entries/server'
import { sseReader } from './sse'

/**
 * Opens an SSE connection attached to `channel` (keep-alive off, so only events are written) and
 * returns an oracle reader of its body, the connection's context and what its `onError` received.
 */
export function connect<T>(
  channel: Channel<T>,
  init: { lastEventId?: string; filter?: (data: ChannelData<T>) => boolean } = {},
) {
  let context!: SSEContext
  const errors: unknown[] = []
  const handler = createSSEHandler(
    (_send, _close, ctx) => {
      context = ctx
      channel.attach(ctx, { filter: init.filter })
    },
    { onError: (e) => errors.push(e), keepAlive: false },
  )
  const headers: Record<string, string> = init.lastEventId ? { 'Last-Event-ID': init.lastEventId } : {}
  const response = handler(new Request('http://localhost/', { headers }))
  return { reader: sseReader(response.body!), context, errors }
}
