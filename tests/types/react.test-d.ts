import { useSSE as fromRoot } from 'use-next-sse'
import type { ParsedEvent, SSEConnectionState, SSEError } from 'use-next-sse/client'
import { type SSEResult, useSSE } from 'use-next-sse/react'
import { describe, expectTypeOf, it } from 'vitest'

/*
 * Hooks are called outside components here: type tests are compiled, never run.
 */
describe('useSSE', () => {
  it('is the same hook from the root and from /react', () => {
    expectTypeOf(fromRoot).toEqualTypeOf(useSSE)
  })

  it('returns data: T | null, error, lastEventId, connectionState, close and reconnect', () => {
    const result = useSSE<{ count: number }>({ url: '/api/sse', eventName: 'counter' })
    expectTypeOf(result).toEqualTypeOf<SSEResult<{ count: number }>>()
    expectTypeOf(result.data).toEqualTypeOf<{ count: number } | null>()
    expectTypeOf(result.error).toEqualTypeOf<SSEError | null>()
    expectTypeOf(result.lastEventId).toEqualTypeOf<string | null>()
    expectTypeOf(result.connectionState).toEqualTypeOf<SSEConnectionState>()
    expectTypeOf<SSEConnectionState>().toEqualTypeOf<'connecting' | 'open' | 'closed'>()
    expectTypeOf(result.close).toEqualTypeOf<() => void>()
    expectTypeOf(result.reconnect).toEqualTypeOf<() => void>()
    // @ts-expect-error data may be null until the first event
    result.data.count
  })

  it('SSEResult<T> types its fields from T alone', () => {
    expectTypeOf<SSEResult<{ count: number }>['data']>().toEqualTypeOf<{ count: number } | null>()
    expectTypeOf<SSEResult<string>['data']>().toEqualTypeOf<string | null>()
    expectTypeOf<SSEResult<unknown>['error']>().toEqualTypeOf<SSEError | null>()
    expectTypeOf<SSEResult<unknown>['connectionState']>().toEqualTypeOf<'connecting' | 'open' | 'closed'>()
    expectTypeOf<SSEResult<unknown>['lastEventId']>().toEqualTypeOf<string | null>()
  })

  it('defaults T to any, as the original', () => {
    expectTypeOf(useSSE({ url: '/api/sse' }).data).toBeAny()
  })

  it('infers T from a parse function, and types onMessage by T', () => {
    expectTypeOf(useSSE({ url: '/x', parse: (text) => text.length }).data).toEqualTypeOf<number | null>()
    useSSE<{ count: number }>({
      url: '/x',
      onMessage: (data, event) => {
        expectTypeOf(data).toEqualTypeOf<{ count: number }>()
        expectTypeOf(event).toEqualTypeOf<ParsedEvent>()
      },
      onError: (error) => expectTypeOf(error).toEqualTypeOf<SSEError>(),
    })
  })

  it('takes the documented options and refuses others', () => {
    useSSE({
      url: '/x',
      eventName: 'update',
      reconnect: { interval: 1000, maxAttempts: 5, backoff: { factor: 2, maxDelay: 30_000, jitter: 0.5 } },
      withCredentials: true,
      headers: () => ({ Authorization: 'Bearer x' }),
      enabled: false,
      parse: 'text',
    })
    useSSE({ url: '/x', reconnect: true, headers: { 'X-Id': '1' } })
    // @ts-expect-error url is required
    useSSE({ eventName: 'update' })
    // @ts-expect-error parse is 'json', 'text' or a function
    useSSE({ url: '/x', parse: 'xml' })
    // @ts-expect-error T constrains what parse returns
    useSSE<number>({ url: '/x', parse: (text) => text })
  })
})
