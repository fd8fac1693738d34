import { once } from 'node:events'
import { createServer, get, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { until } from '../../runtimes/harness/poll'
import { toNodeHandler } from '../../src/node'
import { createSSEHandler } from '../../src/server'
import { eventsOf, sseReader } from '../helpers/sse'

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

async function listen(listener: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(listener)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('toNodeHandler', () => {
  it('streams events with status and headers over node:http', async () => {
    const handler = createSSEHandler(
      (send, close, { request, lastEventId }) => {
        send({ path: new URL(request.url).pathname, lastEventId })
        send('second', 'named')
        close()
      },
      { headers: { 'X-Extra': 'yes' } },
    )
    const base = await listen(toNodeHandler(handler))
    const response = await fetch(`${base}/events?x=1`, { headers: { 'Last-Event-ID': '9' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(response.headers.get('x-extra')).toBe('yes')
    expect(await eventsOf(response.body!)).toEqual([
      { type: 'message', data: '{"path":"/events","lastEventId":"9"}', id: undefined },
      { type: 'named', data: '"second"', id: undefined },
    ])
  })

  it('runs cleanup exactly once when the client goes away', async () => {
    const cleanup = vi.fn()
    const base = await listen(
      toNodeHandler(
        createSSEHandler((send) => {
          send('hello')
          return cleanup
        }),
      ),
    )
    const aborter = new AbortController()
    const response = await fetch(base, { signal: aborter.signal })
    const reader = sseReader(response.body!)
    expect((await reader.next()).data).toBe('"hello"')
    aborter.abort()
    await until(() => cleanup.mock.calls.length > 0, 'cleanup')
    await new Promise((r) => setTimeout(r, 50))
    expect(cleanup).toHaveBeenCalledTimes(1)
  })

  it('accepts (req, res) directly, as a Pages Router API route or createServer(handler) does', async () => {
    const handler = createSSEHandler((send, close, { request }) => {
      send({ method: request.method })
      close()
    })
    const base = await listen(handler as never)
    const response = await fetch(base)
    expect((await eventsOf(response.body!)).map((e) => e.data)).toEqual(['{"method":"GET"}'])
  })

  it('passes a POST body through, streamed or already parsed by a framework', async () => {
    const handler = createSSEHandler(async (send, close, { request }) => {
      send(await request.json())
      close()
    })
    const base = await listen(toNodeHandler(handler))
    const streamed = await fetch(base, { method: 'POST', body: JSON.stringify({ a: 1 }) })
    expect((await eventsOf(streamed.body!))[0]?.data).toBe('{"a":1}')

    const parsedBase = await listen((req, res) => {
      ;(req as IncomingMessage & { body: unknown }).body = { parsed: true }
      void toNodeHandler(handler)(req, res)
    })
    const parsed = await fetch(parsedBase, { method: 'POST', body: 'ignored' })
    expect((await eventsOf(parsed.body!))[0]?.data).toBe('{"parsed":true}')
  })

  it('honours backpressure: a client that stops reading is cut off once the buffer cap is passed', async () => {
    const errors: unknown[] = []
    const cleanup = vi.fn()
    const payload = 'z'.repeat(64 * 1024)
    const handler = createSSEHandler(
      (send) => {
        const timer = setInterval(() => {
          for (let i = 0; i < 16; i++) send(payload)
        }, 1)
        return () => {
          clearInterval(timer)
          cleanup()
        }
      },
      { maxBufferSize: 4 * 1024 * 1024, onError: (e) => errors.push(e), keepAlive: false },
    )
    const base = await listen(toNodeHandler(handler))
    // A raw request whose socket is paused: nothing is read, so the kernel buffers fill, res.write
    // returns false, the adapter stops reading the body and the connection's buffer grows to the cap.
    await new Promise<void>((resolve) => {
      const req = get(base, (res) => {
        res.pause()
        resolve()
      })
      req.on('error', () => {})
    })
    await until(() => cleanup.mock.calls.length > 0, 'overflow cleanup', 20_000)
    expect((errors[0] as { code: string }).code).toBe('BUFFER_OVERFLOW')
  })

  it('streams any other Web handler body through the stream path, honouring its end', async () => {
    const base = await listen(
      toNodeHandler(
        () =>
          new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode('plain '))
                controller.enqueue(new TextEncoder().encode('body'))
                controller.close()
              },
            }),
            { headers: { 'content-type': 'text/plain' } },
          ),
      ),
    )
    const response = await fetch(base)
    expect(response.headers.get('content-type')).toBe('text/plain')
    expect(await response.text()).toBe('plain body')
  })

  it('writes every Set-Cookie header of a Web response as its own header line', async () => {
    const headers = new Headers({ 'content-type': 'text/plain' })
    headers.append('set-cookie', 'a=1; Path=/')
    headers.append('set-cookie', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT')
    const base = await listen(toNodeHandler(() => new Response('ok', { headers })))
    const raw = await new Promise<IncomingMessage>((resolve, reject) => get(base, resolve).on('error', reject))
    raw.resume()
    // Joined with a comma they would be one cookie cut at the date's comma; Node sends each line apart.
    expect(raw.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT'])
  })

  it('delivers what a callback sent and closed before the adapter took the response', async () => {
    const base = await listen(
      toNodeHandler(
        createSSEHandler((send, close) => {
          send('early')
          close()
        }),
      ),
    )
    const response = await fetch(base)
    expect((await eventsOf(response.body!)).map((e) => e.data)).toEqual(['"early"'])
  })

  it('decodes a UTF-8 Last-Event-ID (header values arrive as bytes)', async () => {
    let seen: string | null = null
    const base = await listen(
      toNodeHandler(
        createSSEHandler((_send, close, { lastEventId }) => {
          seen = lastEventId
          close()
        }),
      ),
    )
    // What a browser sends for the id "…": its UTF-8 bytes, one per header character.
    await (await fetch(base, { headers: { 'Last-Event-ID': unescape(encodeURIComponent('id…é')) } })).text()
    expect(seen).toBe('id…é')
  })

  it('answers 500 when the handler fails before the stream starts', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const base = await listen(
      toNodeHandler(() => {
        throw new Error('broken')
      }),
    )
    const response = await fetch(base)
    expect(response.status).toBe(500)
    expect(error).toHaveBeenCalled()
    error.mockRestore()
  })
})
