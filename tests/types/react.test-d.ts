import { useSSE as fromRoot } from 'use-next-sse'
import {
  createSSEStore,
  EventSource,
  events,
  type ParsedEvent,
  type SSEConnectionState,
  type SSEError,
} from 'use-next-sse/client'
import { type SSEResult, useSSE } from 'use-next-sse/react'
import { createSSEHandler, type SSEEvents } from 'use-next-sse/server'
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'

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

type Feed = { counter: { count: number }; done: null }
// The route module's export; a client imports its type only (`import type { GET } from '…/route'`).
const GET = createSSEHandler<Feed>(() => {})

describe('useSSE typed by the route handler', () => {
  it("checks the event name against the handler's events, and types data as their data", () => {
    const { data } = useSSE<typeof GET>({ url: '/api/feed', eventName: 'counter' })
    expectTypeOf(data).toEqualTypeOf<{ count: number } | null>()
    // @ts-expect-error no such event
    useSSE<typeof GET>({ url: '/api/feed', eventName: 'countr' })
    useSSE<typeof GET>({
      url: '/api/feed',
      eventName: 'done',
      onMessage: (value) => expectTypeOf(value).toEqualTypeOf<{ count: number } | null>(),
    })
  })

  it("types data as one event's when its name is given as the second type argument", () => {
    const counter = useSSE<typeof GET, 'counter'>({ url: '/api/feed', eventName: 'counter' })
    expectTypeOf(counter.data).toEqualTypeOf<{ count: number } | null>()
    expectTypeOf(useSSE<typeof GET, 'done'>({ url: '/api/feed', eventName: 'done' }).data).toEqualTypeOf<null>()
    // @ts-expect-error not one of the route's events
    useSSE<typeof GET, 'countr'>({ url: '/api/feed', eventName: 'countr' })
    // @ts-expect-error the option must name the same event as the type
    useSSE<typeof GET, 'counter'>({ url: '/api/feed', eventName: 'done' })
    expectTypeOf(
      createSSEStore<typeof GET, 'counter'>({ url: '/x', eventName: 'counter' }).getSnapshot().data,
    ).toEqualTypeOf<{
      count: number
    } | null>()
  })

  it('takes SSEEvents<Map> as well as a handler, and keeps a plain data type meaning data', () => {
    expectTypeOf(useSSE<SSEEvents<Feed>>({ url: '/x', eventName: 'counter' }).data).toEqualTypeOf<{
      count: number
    } | null>()
    expectTypeOf(useSSE<{ count: number }>({ url: '/x', eventName: 'anything' }).data).toEqualTypeOf<{
      count: number
    } | null>()
    // An untyped handler names no events: any name, any data.
    const untyped = createSSEHandler(() => {})
    expectTypeOf(useSSE<typeof untyped>({ url: '/x', eventName: 'whatever' }).data).toBeAny()
  })

  it('types createSSEStore and the EventSource the same way', () => {
    const store = createSSEStore<typeof GET>({ url: '/api/feed', eventName: 'counter' })
    expectTypeOf(store.getSnapshot().data).toEqualTypeOf<{ count: number } | null>()
    // @ts-expect-error no such event
    createSSEStore<typeof GET>({ url: '/api/feed', eventName: 'nope' })
    const source = new EventSource<typeof GET>('/api/feed')
    source.addEventListener('counter', (event) => expectTypeOf(event.data).toEqualTypeOf<string>())
    source.addEventListener('open', () => {})
    source.addEventListener('error', () => {})
    // @ts-expect-error no such event
    source.addEventListener('countr', () => {})
    new EventSource('/x').addEventListener('anything', () => {})
  })

  it('infers the data type from a schema, and checks a schema against the type given', () => {
    const schema = z.object({ count: z.number() })
    expectTypeOf(useSSE({ url: '/x', schema }).data).toEqualTypeOf<{ count: number } | null>()
    useSSE<typeof GET>({ url: '/x', eventName: 'counter', schema: { counter: schema } })
    // @ts-expect-error the schema gives a string, the type says a number
    useSSE<number>({ url: '/x', schema: z.string() })
  })
})

describe('POST from the hook, and events()', () => {
  it('takes method and a string or JSON body, and nothing else as body', () => {
    useSSE({ url: '/api/answer', method: 'POST', body: { prompt: 'hi', n: 1 }, eventName: 'token' })
    useSSE({ url: '/api/answer', method: 'POST', body: 'prompt=hi' })
    useSSE({ url: '/api/answer', method: 'POST', body: [1, 2] })
    // @ts-expect-error a body is a string, an object or an array
    useSSE({ url: '/api/answer', method: 'POST', body: 42 })
    // @ts-expect-error the method is a string
    createSSEStore({ url: '/x', method: 1 })
  })

  it('events() is an async iterable of parsed events, with a signal', async () => {
    const iterable = events('/api/answer', { method: 'POST', body: '{}', signal: new AbortController().signal })
    for await (const event of iterable) {
      expectTypeOf(event).toEqualTypeOf<ParsedEvent>()
    }
    // @ts-expect-error the URL comes first
    events({ method: 'POST' })
  })
})
