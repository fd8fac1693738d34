/*
 * The stream as an async iterable: `for await (const event of events(url, init))`. The shape for code
 * that consumes one answer (a generated text relayed token by token) rather than subscribing to a feed:
 * the loop ends when the stream does, a failure is thrown where the loop is, and leaving the loop
 * (break, return, a throw) or aborting `signal` ends the request.
 */
import type { SSEError } from '../core'
import type { ParsedEvent } from './parser'
import { CLOSED } from './ready-state'
import { connect, type EventSourceInit, type SourceConnection } from './source-connection'

/** Options of {@link events}: the `EventSource` options, and a signal that ends the iteration. */
export interface EventsInit extends Omit<EventSourceInit, 'shareAcrossTabs'> {
  /** Aborting it ends the request and the loop (quietly: the loop just ends). */
  signal?: AbortSignal
}

/**
 * Opens the stream and yields its events in order, as they arrive; never buffers the stream whole.
 * Unlike the `EventSource` class, it does not reconnect unless `reconnect` asks (a stream that ends is
 * an answer that is complete); with a policy it resumes with `Last-Event-ID` as the class does, until a
 * `204` (the server's "no more": the loop ends) or its policy gives up. A failure
 * (`HTTP_STATUS`, `CONTENT_TYPE`, `NETWORK` without reconnection, `MAX_ATTEMPTS`...) is thrown from the
 * loop as the same `SSEError` the class reports. Leaving the loop early, or aborting `signal`, aborts the
 * request, so the server's `request.signal` aborts too. Works wherever `fetch` and Web streams do.
 *
 * @example
 * ```ts
 * import { events } from 'use-next-sse/client'
 *
 * let answer = ''
 * for await (const event of events('/api/answer', { method: 'POST', body: JSON.stringify({ prompt }) })) {
 *   if (event.type === 'token') answer += JSON.parse(event.data).text
 * }
 * ```
 */
export function events(url: string, init: EventsInit = {}): AsyncIterableIterator<ParsedEvent> {
  const { signal, ...options } = init
  const queue: ParsedEvent[] = []
  let failure: SSEError | null = null
  let ended = false
  let wake: (() => void) | undefined
  let connection: SourceConnection | undefined

  const stop = () => {
    ended = true
    connection?.close()
    signal?.removeEventListener('abort', stop)
    wake?.()
  }
  const start = () => {
    if (connection || ended) return
    if (signal?.aborted) return stop()
    signal?.addEventListener('abort', stop)
    connection = connect(
      url,
      { reconnect: false, ...options },
      {
        onEvent(event) {
          queue.push(event)
          wake?.()
        },
        onState(source) {
          if (source.state !== CLOSED) return
          // 204 is the server's "nothing more": the end of the answer, not a failure.
          failure = source.error?.code === 'NO_CONTENT' ? null : source.error
          ended = true
          signal?.removeEventListener('abort', stop)
          wake?.()
        },
      },
    )
  }

  const iterator: AsyncIterableIterator<ParsedEvent> = {
    async next() {
      start()
      for (;;) {
        const event = queue.shift()
        if (event) return { value: event, done: false }
        if (failure) {
          const error = failure
          failure = null
          throw error
        }
        if (ended) return { value: undefined, done: true }
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    },
    async return() {
      stop()
      queue.length = 0
      return { value: undefined, done: true }
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}
