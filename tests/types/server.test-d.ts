import { createSSEHandler as fromRoot } from 'use-next-sse'
import {
  createSSEHandler,
  type Destructor,
  type SendFunction,
  type SendOptions,
  type SSECallback,
  type SSEContext,
  type SSEHandler,
} from 'use-next-sse/server'
import { describe, expectTypeOf, it } from 'vitest'

/** The shape Next.js checks a route export against: a NextRequest (a Request subclass) and the params. */
interface NextRequestLike extends Request {
  nextUrl: URL
}
type NextRouteHandler<Params> = (
  request: NextRequestLike,
  context: { params: Promise<Params> },
) => Response | Promise<Response> | undefined

describe('createSSEHandler', () => {
  it('is the same function from the root and from /server', () => {
    expectTypeOf(fromRoot).toEqualTypeOf(createSSEHandler)
  })

  it('gives the callback send(data, eventName | options): boolean and close(): void', () => {
    createSSEHandler((send, close) => {
      expectTypeOf(send).parameter(1).toEqualTypeOf<string | SendOptions | undefined>()
      expectTypeOf(send).returns.toEqualTypeOf<boolean>()
      expectTypeOf(send({ count: 1 }, 'counter')).toEqualTypeOf<boolean>()
      expectTypeOf(send('text', { event: 'update', id: '42', retry: 1000 })).toEqualTypeOf<boolean>()
      expectTypeOf(send(undefined)).toEqualTypeOf<boolean>()
      // @ts-expect-error the options are event, id and retry
      send('text', { name: 'update' })
      // @ts-expect-error retry is a number of ms
      send('text', { retry: '1000' })
      // @ts-expect-error an id is a string
      send('text', { id: 42 })
      expectTypeOf(close).toEqualTypeOf<() => void>()
    })
  })

  it("checks every send against the handler's event map, its first generic", () => {
    type Feed = { counter: { count: number }; done: null }
    createSSEHandler<Feed>((send) => {
      expectTypeOf(send).toEqualTypeOf<SendFunction<Feed>>()
      send({ count: 1 }, 'counter')
      send(null, 'done')
      send({ count: 2 }, { event: 'counter', id: '2' })
      // @ts-expect-error count is a number
      send({ count: '1' }, 'counter')
      // @ts-expect-error no such event
      send(null, 'dne')
      // @ts-expect-error the data of `done` is null
      send({ count: 1 }, 'done')
      // @ts-expect-error no name means `message`, which this map does not have
      send({ count: 1 })
      // @ts-expect-error the options' event is checked too
      send(null, { event: 'dne' })
    })
    createSSEHandler<{ message: string }>((send) => {
      send('hello') // `message` is in the map: no name needed
      send('hello', { id: '1' })
      // @ts-expect-error a message is a string
      send(1)
    })
  })

  it('carries the event map in the handler type, and none when untyped', () => {
    type Feed = { counter: { count: number } }
    const typed = createSSEHandler<Feed>(() => {})
    expectTypeOf(typed).toEqualTypeOf<SSEHandler<any[], Feed>>()
    expectTypeOf(typed['~events']).toEqualTypeOf<Feed | undefined>()
    expectTypeOf(createSSEHandler(() => {})).toEqualTypeOf<SSEHandler>()
    expectTypeOf(createSSEHandler<unknown>(() => {})).toEqualTypeOf<SSEHandler>()
  })

  it('gives the callback the context', () => {
    createSSEHandler((_send, _close, context) => {
      expectTypeOf(context).toExtend<SSEContext>()
      expectTypeOf(context.lastEventId).toEqualTypeOf<string | null>()
      expectTypeOf(context.request).toEqualTypeOf<Request>()
      expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>()
      expectTypeOf(context.onClose).toEqualTypeOf<(destructor: Destructor) => void>()
      context.onClose(() => {})
      context.onClose(async () => {})
      expectTypeOf(context.sendEvent({ data: 'line 1\nline 2', event: 'log', id: '1' })).toEqualTypeOf<boolean>()
      context.sendEvent({ comment: 'keep-alive' })
      context.sendEvent({ retry: 1000 })
      // @ts-expect-error sendEvent sends text: data is a string
      context.sendEvent({ data: 1 })
      // @ts-expect-error the context is read-only
      context.lastEventId = '1'
    })
  })

  it("types context.args by the handler's second generic, and the handler's parameters with it", () => {
    type Next = [{ params: Promise<{ roomId: string }> }]
    const handler = createSSEHandler<unknown, Next>((_send, _close, { args }) => {
      expectTypeOf(args).toEqualTypeOf<Next>()
      expectTypeOf(args[0].params).resolves.toEqualTypeOf<{ roomId: string }>()
    })
    expectTypeOf(handler).toEqualTypeOf<SSEHandler<Next>>()
    expectTypeOf(handler).parameters.toEqualTypeOf<[Request, { params: Promise<{ roomId: string }> }]>()
    expectTypeOf(handler).returns.toEqualTypeOf<Response>()
    // @ts-expect-error the second argument must be the declared one
    handler(new Request('http://localhost/'), { params: { roomId: 'a' } })
    createSSEHandler((_send, _close, { args }) => {
      expectTypeOf(args).toEqualTypeOf<any[]>()
    })
  })

  it('accepts sync and async callbacks returning a cleanup, or nothing', () => {
    createSSEHandler(() => {})
    createSSEHandler(() => () => {})
    createSSEHandler(async () => async () => {})
    const callback: SSECallback<{ message: string }> = (send) => void send('x')
    createSSEHandler(callback)
    // @ts-expect-error a callback is required
    createSSEHandler()
  })

  it('takes typed options', () => {
    createSSEHandler(() => {}, {
      keepAlive: false,
      retry: 3000,
      headers: { 'X-Custom': '1' },
      status: 200,
      maxBufferSize: 1024,
      onClose: () => {},
      onError: (error) => expectTypeOf(error).toBeUnknown(),
    })
    createSSEHandler(() => {}, { keepAlive: 15_000, headers: [['X-Custom', '1']] })
    // @ts-expect-error keepAlive is a number of ms or false
    createSSEHandler(() => {}, { keepAlive: true })
    // @ts-expect-error no such option
    createSSEHandler(() => {}, { interval: 1000 })
  })

  it('makes a handler usable as a Next.js route export, a Worker fetch and a plain Request handler', () => {
    const GET = createSSEHandler(() => {})
    expectTypeOf(GET).toExtend<NextRouteHandler<{ roomId: string }>>()
    expectTypeOf(GET).toExtend<NextRouteHandler<Record<string, never>>>()
    expectTypeOf(GET).toExtend<
      (request: Request, env: { KEY: string }, ctx: { waitUntil(p: Promise<unknown>): void }) => Response
    >()
    expectTypeOf(GET).toExtend<(request: Request) => Response | Promise<Response>>()
  })
})
