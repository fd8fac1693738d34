import { afterEach, describe, expect, it, vi } from 'vitest'
import { until } from '../../runtimes/harness/poll'
import { createSSEHandler, type SSEContext, type SSEHandlerOptions } from '../../src/server'
import { eventsOf, sseReader } from '../helpers/sse'

const request = (init?: RequestInit & { headers?: Record<string, string> }) =>
  new Request('http://localhost/events', init)

/** A handler whose onError reports are collected instead of logged. */
function setup(callback: Parameters<typeof createSSEHandler>[0], options: SSEHandlerOptions = {}) {
  const errors: unknown[] = []
  const handler = createSSEHandler(callback, { onError: (e) => errors.push(e), ...options })
  return { handler, errors }
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

describe('createSSEHandler: the response', () => {
  it('sets the documented headers and status 200', () => {
    const response = createSSEHandler(() => {})(request())
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(response.headers.get('connection')).toBe('keep-alive')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
  })

  it('merges extra headers over the defaults and takes a status', () => {
    const response = createSSEHandler(() => {}, {
      status: 201,
      headers: { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' },
    })(request())
    expect(response.status).toBe(201)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('flushes a first comment at once, or the retry field when set', async () => {
    const open = sseReader(createSSEHandler(() => {})(request()).body!)
    await open.pump()
    expect(open.text()).toBe(':\n\n')
    await open.cancel()

    const retry = sseReader(createSSEHandler(() => {}, { retry: 2500 })(request()).body!)
    await retry.pump()
    expect(retry.text()).toBe('retry: 2500\n\n')
    await retry.cancel()
  })

  it('answers HEAD with the headers and no body, and OPTIONS with 204; neither runs the callback', async () => {
    const callback = vi.fn()
    const handler = createSSEHandler(callback, { status: 200, headers: { 'X-Route': 'feed' } })
    const head = handler(request({ method: 'HEAD' }))
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('text/event-stream')
    expect(head.headers.get('x-route')).toBe('feed')
    expect(head.body).toBeNull()
    const options = handler(request({ method: 'OPTIONS' }))
    expect(options.status).toBe(204)
    expect(options.headers.get('content-type')).toBeNull()
    expect(options.headers.get('allow')).toBe('OPTIONS, GET, HEAD, POST')
    expect(options.body).toBeNull()
    expect(callback).not.toHaveBeenCalled()
  })

  it('validates options when the handler is created', () => {
    expect(() => createSSEHandler(() => {}, { keepAlive: 0 })).toThrow(/keepAlive/)
    expect(() => createSSEHandler(() => {}, { retry: -5 })).toThrow(/retry/)
    expect(() => createSSEHandler(() => {}, { retry: 1e12 })).toThrow(/2147483647/)
    expect(() => createSSEHandler(() => {}, { maxBufferSize: 0 })).toThrow(/maxBufferSize/)
    expect(() => createSSEHandler(() => {}, { onClose: 'x' as never })).toThrow(/onClose/)
    expect(() => createSSEHandler('x' as never)).toThrow(/expects a callback/)
  })
})

describe('send', () => {
  it('JSON-serialises data, with the event name or per-event options', async () => {
    const response = createSSEHandler((send, close) => {
      send({ count: 1 }, 'counter')
      send('text')
      send([1, 2], { event: 'list', id: '7', retry: 100 })
      send(null, '')
      close()
    })(request())
    expect(await eventsOf(response.body!)).toEqual([
      { type: 'counter', data: '{"count":1}', id: undefined },
      { type: 'message', data: '"text"', id: undefined },
      { type: 'list', data: '[1,2]', id: '7' },
      // The oracle reports the id field of each block; the spec's lastEventId persistence is the client's job.
      { type: 'message', data: 'null', id: undefined },
    ])
  })

  it('sends undefined as empty data, never as the text "undefined"', async () => {
    const response = createSSEHandler((send, close) => {
      send(undefined, 'done')
      close()
    })(request())
    const text = await response.text()
    expect(text).not.toContain('undefined')
    expect(await eventsOf(text)).toEqual([{ type: 'done', data: '', id: undefined }])
  })

  it.each([
    ['an event name with LF', (send: any) => send(1, 'a\ndata: injected'), /"event"/],
    ['an event name with CR', (send: any) => send(1, { event: 'a\rb' }), /"event"/],
    ['an id with NUL', (send: any) => send(1, { id: 'a\0' }), /"id"/],
    ['an id with CRLF', (send: any) => send(1, { id: '1\r\n' }), /"id"/],
    ['a bad retry', (send: any) => send(1, { retry: -1 }), /"retry"/],
    [
      'circular data',
      (send: any) =>
        send(
          (() => {
            const o: any = {}
            o.o = o
            return o
          })(),
        ),
      /JSON/,
    ],
    ['a BigInt', (send: any) => send(10n), /JSON/],
    ['a function', (send: any) => send(() => 1), /no JSON form/],
    ['a symbol', (send: any) => send(Symbol('x')), /no JSON form/],
  ])('refuses %s: writes nothing, returns false, reports a TypeError, stays usable', async (_, bad, message) => {
    let result: unknown
    const { handler, errors } = setup((send, close) => {
      send('before')
      result = bad(send)
      send('after')
      close()
    })
    const text = await handler(request()).text()
    expect(result).toBe(false)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(TypeError)
    expect((errors[0] as Error).message).toMatch(message)
    expect(text).not.toContain('injected')
    expect(await eventsOf(text)).toEqual([
      { type: 'message', data: '"before"', id: undefined },
      { type: 'message', data: '"after"', id: undefined },
    ])
  })

  it('is a no-op returning false after close, and never throws', async () => {
    let send!: (d: unknown) => boolean
    const { handler, errors } = setup((s, close) => {
      send = s
      close()
    })
    await handler(request()).text()
    expect(send('late')).toBe(false)
    expect(errors).toEqual([])
  })
})

describe('context.sendEvent', () => {
  it('writes raw text data, ids, retry and comments', async () => {
    const response = createSSEHandler((_send, close, { sendEvent }) => {
      sendEvent({ event: 'log', data: 'line 1\nline 2', id: 'x' })
      sendEvent({ comment: 'note' })
      close()
    })(request())
    const text = await response.text()
    expect(text).toBe(':\n\nevent: log\nid: x\ndata: line 1\ndata: line 2\n\n: note\n\n')
  })

  it('refuses bad fields like send does', async () => {
    const { handler, errors } = setup((_send, close, { sendEvent }) => {
      expect(sendEvent({ id: 'a\nb', data: 'x' })).toBe(false)
      close()
    })
    expect(await handler(request()).text()).toBe(':\n\n')
    expect(errors[0]).toBeInstanceOf(TypeError)
  })
})

describe('delivery', () => {
  it('coalesces the events of one synchronous turn into one chunk', async () => {
    const response = createSSEHandler((send) => {
      for (let i = 0; i < 1000; i++) send({ i })
      setTimeout(() => {
        for (let i = 1000; i < 2000; i++) send({ i })
      }, 1)
    })(request())
    const reader = sseReader(response.body!)
    await reader.pump()
    expect(reader.events).toHaveLength(1000)
    await reader.pump()
    expect(reader.events).toHaveLength(2000)
    expect(reader.chunks).toHaveLength(2)
    expect(reader.events.map((e) => JSON.parse(e.data).i)).toEqual(Array.from({ length: 2000 }, (_, i) => i))
    await reader.cancel()
  })

  it('keeps order and content across a burst far longer than one spill (64 Ki characters)', async () => {
    const response = createSSEHandler((send, close) => {
      for (let i = 0; i < 20_000; i++) send({ i, pad: 'é'.repeat(i % 7) })
      close()
    })(request())
    const events = await eventsOf(response.body!)
    expect(events).toHaveLength(20_000)
    expect(events.every((e, i) => JSON.parse(e.data).i === i && JSON.parse(e.data).pad === 'é'.repeat(i % 7))).toBe(
      true,
    )
  })

  it('delivers events incrementally, before the body ends', async () => {
    let sendLater!: () => void
    const response = createSSEHandler((send) => {
      send(1)
      sendLater = () => send(2)
    })(request())
    const reader = sseReader(response.body!)
    expect((await reader.next()).data).toBe('1')
    expect(reader.done).toBe(false)
    sendLater()
    expect((await reader.next()).data).toBe('2')
    await reader.cancel()
  })

  it('close() delivers everything sent before it, then ends the body', async () => {
    const response = createSSEHandler((send, close) => {
      send('a')
      setTimeout(() => {
        send('b')
        close()
        send('c')
      }, 1)
    })(request())
    expect((await eventsOf(response.body!)).map((e) => e.data)).toEqual(['"a"', '"b"'])
  })

  it('closes a connection whose reader stopped reading once maxBufferSize is exceeded', async () => {
    const cleanup = vi.fn()
    let send!: (d: unknown) => boolean
    const { handler, errors } = setup(
      (s) => {
        send = s
        return cleanup
      },
      { maxBufferSize: 1000 },
    )
    const response = handler(request())
    // Nobody reads the body: everything waits in the buffer.
    let accepted = 0
    while (send('x'.repeat(50))) accepted++
    expect(accepted).toBeGreaterThan(10)
    expect(accepted).toBeLessThan(20)
    expect(errors).toHaveLength(1)
    expect((errors[0] as { code: string }).code).toBe('BUFFER_OVERFLOW')
    expect(cleanup).toHaveBeenCalledTimes(1)
    expect(send('more')).toBe(false)
    // The body is cut, not ended: a graceful end would wait for the client to read what the runtime
    // still holds, and a client that keeps its window closed would keep the socket. It reconnects.
    await expect(response.text()).rejects.toMatchObject({ code: 'BUFFER_OVERFLOW' })
  })

  it('counts a burst written while the reader waits: one turn cannot slip past the cap', async () => {
    const cleanup = vi.fn()
    let sent = 0
    const { handler, errors } = setup(
      (send) => {
        setTimeout(() => {
          for (let i = 0; i < 100; i++) if (send('y'.repeat(100))) sent++
        }, 1)
        return cleanup
      },
      { maxBufferSize: 1000 },
    )
    const reader = handler(request()).body!.getReader()
    await reader.read() // the first flush; the reader then waits while the burst is written
    const next = reader.read()
    await expect(next).rejects.toMatchObject({ code: 'BUFFER_OVERFLOW' })
    expect(sent).toBeLessThan(10)
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['BUFFER_OVERFLOW'])
    expect(cleanup).toHaveBeenCalledTimes(1)
  })

  it('delivers a burst under the cap to a waiting reader as one chunk', async () => {
    const { handler, errors } = setup(
      (send, close) => {
        setTimeout(() => {
          for (let i = 0; i < 100; i++) send(i)
          close()
        }, 1)
      },
      { maxBufferSize: 1000 },
    )
    const reader = sseReader(handler(request()).body!)
    await reader.pump() // the first flush
    await reader.pump() // the whole burst
    expect(reader.chunks).toHaveLength(2)
    expect(reader.events.map((e) => Number(e.data))).toEqual([...Array(100).keys()])
    expect(errors).toEqual([])
    await reader.cancel()
  })

  it('refuses one event larger than maxBufferSize before encoding it, and keeps the connection', async () => {
    let send!: (d: unknown) => boolean
    const { handler, errors } = setup(
      (s) => {
        send = s
      },
      { maxBufferSize: 1000 },
    )
    const reader = sseReader(handler(request()).body!)
    expect(send('z'.repeat(2000))).toBe(false)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code: 'EVENT_TOO_LARGE' })
    // Inside the callback too (before any reader): the stream is not emptied and cut.
    expect(send('small')).toBe(true)
    await reader.pump() // the first flush carries both
    expect(reader.events.map((e) => e.data)).toEqual(['"small"'])
    await reader.cancel()
  })
})

describe('disconnects and cleanup', () => {
  it('runs cleanup once when the client cancels the body', async () => {
    const cleanup = vi.fn()
    const response = createSSEHandler(() => cleanup)(request())
    await response.body!.cancel()
    expect(cleanup).toHaveBeenCalledTimes(1)
  })

  it('runs cleanup once when request.signal aborts, and aborts context.signal', async () => {
    const cleanup = vi.fn()
    const aborter = new AbortController()
    let signal!: AbortSignal
    const response = createSSEHandler((_s, _c, ctx) => {
      signal = ctx.signal
      return cleanup
    })(request({ signal: aborter.signal }))
    expect(signal.aborted).toBe(false)
    aborter.abort()
    expect(cleanup).toHaveBeenCalledTimes(1)
    expect(signal.aborted).toBe(true)
    // Every other close path afterwards is a no-op.
    await response.body!.cancel()
    expect(cleanup).toHaveBeenCalledTimes(1)
  })

  it('never calls the callback for an already aborted request, but runs the onClose option', async () => {
    const callback = vi.fn()
    const onClose = vi.fn()
    const response = createSSEHandler(callback, { onClose })(request({ signal: AbortSignal.abort() }))
    expect(callback).not.toHaveBeenCalled()
    expect(onClose).toHaveBeenCalledTimes(1)
    expect(await response.text()).toBe('')
  })

  it('runs cleanup once whatever the order of close, abort and cancel', async () => {
    for (const order of [
      ['close', 'abort', 'cancel'],
      ['abort', 'close', 'cancel'],
      ['cancel', 'abort', 'close'],
    ]) {
      const cleanup = vi.fn()
      const aborter = new AbortController()
      let close!: () => void
      const response = createSSEHandler((_s, c) => {
        close = c
        return cleanup
      })(request({ signal: aborter.signal }))
      for (const step of order) {
        if (step === 'close') close()
        if (step === 'abort') aborter.abort()
        if (step === 'cancel') await response.body!.cancel().catch(() => {})
      }
      expect(cleanup, order.join(',')).toHaveBeenCalledTimes(1)
    }
  })

  it('awaits an async cleanup and reports its rejection instead of leaving it unhandled', async () => {
    const { handler, errors } = setup(() => async () => {
      throw new Error('db gone')
    })
    await handler(request()).body!.cancel()
    await until(() => errors.length === 1)
    expect((errors[0] as { code: string }).code).toBe('CLEANUP_FAILED')
    expect(((errors[0] as Error).cause as Error).message).toBe('db gone')
  })

  it('reports a cleanup that throws synchronously', async () => {
    const { handler, errors } = setup(() => () => {
      throw new Error('oops')
    })
    await handler(request()).body!.cancel()
    expect((errors[0] as { code: string }).code).toBe('CLEANUP_FAILED')
  })

  it('runs at once a destructor that an async callback returns after the client left', async () => {
    const cleanup = vi.fn()
    let resolve!: () => void
    const gate = new Promise<void>((r) => {
      resolve = r
    })
    const response = createSSEHandler(async () => {
      await gate
      return cleanup
    })(request())
    await response.body!.cancel()
    expect(cleanup).not.toHaveBeenCalled()
    resolve()
    await until(() => cleanup.mock.calls.length > 0)
    expect(cleanup).toHaveBeenCalledTimes(1)
  })
})

describe('cleanup precedence (the seed: the first one registered wins)', () => {
  const cases = [
    { name: 'option, context, return', option: true, context: true, returned: true, winner: 'option', warnings: 2 },
    { name: 'option, return', option: true, context: false, returned: true, winner: 'option', warnings: 1 },
    { name: 'context, return', option: false, context: true, returned: true, winner: 'context', warnings: 1 },
    { name: 'return only', option: false, context: false, returned: true, winner: 'returned', warnings: 0 },
    { name: 'context only', option: false, context: true, returned: false, winner: 'context', warnings: 0 },
  ]
  it.each(cases)('$name → $winner runs alone, $warnings warning(s)', async (c) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const ran: string[] = []
    const response = createSSEHandler(
      (_s, _c, { onClose }) => {
        if (c.context) onClose(() => ran.push('context'))
        if (c.returned) return () => ran.push('returned')
      },
      c.option ? { onClose: () => ran.push('option') } : {},
    )(request())
    await response.body!.cancel()
    expect(ran).toEqual([c.winner])
    expect(warn).toHaveBeenCalledTimes(c.warnings)
  })

  it('the async-returned destructor loses to context.onClose registered earlier', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const ran: string[] = []
    const response = createSSEHandler(async (_s, _c, { onClose }) => {
      onClose(() => ran.push('context'))
      await Promise.resolve()
      return () => ran.push('returned')
    })(request())
    await until(() => warn.mock.calls.length === 1)
    await response.body!.cancel()
    expect(ran).toEqual(['context'])
  })

  it('logs one warning per ignored registration', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const response = createSSEHandler((_s, _c, { onClose }) => {
      onClose(() => {})
      onClose(() => {})
      onClose(() => {})
    })(request())
    expect(warn).toHaveBeenCalledTimes(2)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/the first one registered wins/)
    await response.body!.cancel()
  })
})

describe('a callback that fails', () => {
  it('throwing: is reported, what it sent is delivered, the stream closes, cleanup runs', async () => {
    const onClose = vi.fn()
    const { handler, errors } = setup(
      (send) => {
        send('partial')
        throw new Error('bug')
      },
      { onClose },
    )
    const events = await eventsOf(handler(request()).body!)
    expect(events.map((e) => e.data)).toEqual(['"partial"'])
    expect((errors[0] as { code: string }).code).toBe('CALLBACK_FAILED')
    expect(((errors[0] as Error).cause as Error).message).toBe('bug')
    expect(onClose).toHaveBeenCalledTimes(1)
  })

  it('rejecting: the same, without an unhandled rejection', async () => {
    const { handler, errors } = setup(async (send) => {
      send('partial')
      await Promise.resolve()
      throw new Error('async bug')
    })
    const events = await eventsOf(handler(request()).body!)
    expect(events.map((e) => e.data)).toEqual(['"partial"'])
    expect((errors[0] as { code: string }).code).toBe('CALLBACK_FAILED')
  })

  it('an onError that throws is contained', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const handler = createSSEHandler(
      () => {
        throw new Error('bug')
      },
      {
        onError: () => {
          throw new Error('handler of handler')
        },
      },
    )
    expect(await handler(request()).text()).toBe(':\n\n')
    expect(error).toHaveBeenCalled()
  })

  it('by default logs to console.error', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    await createSSEHandler(() => {
      throw new Error('bug')
    })(request()).text()
    expect(error).toHaveBeenCalledTimes(1)
  })
})

describe('context', () => {
  it('gives lastEventId, the request, the extra handler args and a live signal', async () => {
    let seen!: SSEContext<[{ params: { room: string } }]>
    const handler = createSSEHandler<unknown, [{ params: { room: string } }]>((_s, close, ctx) => {
      seen = ctx
      close()
    })
    const req = request({ headers: { 'Last-Event-ID': '41' } })
    await handler(req, { params: { room: 'lobby' } }).text()
    expect(seen.lastEventId).toBe('41')
    expect(seen.request).toBe(req)
    expect(seen.args).toEqual([{ params: { room: 'lobby' } }])
    expect(seen.signal.aborted).toBe(true)
  })

  it('reads lastEventId from the query when there is no header (a cross-origin reconnect), the header first', async () => {
    const ids: (string | null)[] = []
    const handler = createSSEHandler((_s, close, ctx) => {
      ids.push(ctx.lastEventId)
      close()
    })
    await handler(new Request('http://localhost/events?room=a&lastEventId=k3-7')).text()
    await handler(new Request('http://localhost/events?lastEventId=%C3%A9t%C3%A9')).text()
    await handler(new Request('http://localhost/events?lastEventId=q', { headers: { 'Last-Event-ID': 'h' } })).text()
    await handler(new Request('http://localhost/events?other=lastEventId')).text()
    expect(ids).toEqual(['k3-7', 'été', 'h', null])
  })

  it('lastEventId is null on a first connection', async () => {
    let id: string | null | undefined
    await createSSEHandler((_s, close, ctx) => {
      id = ctx.lastEventId
      close()
    })(request()).text()
    expect(id).toBeNull()
  })

  it('onClose with a non-function reports a TypeError', async () => {
    const { handler, errors } = setup((_s, close, { onClose }) => {
      onClose('nope' as never)
      close()
    })
    await handler(request()).text()
    expect(errors[0]).toBeInstanceOf(TypeError)
  })
})
