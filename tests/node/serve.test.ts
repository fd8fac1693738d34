import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, get, type IncomingMessage, type Server } from 'node:http'
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { until } from '../../runtimes/harness/poll'
import { createChannel, createSSEHandler } from '../../src/entries/server'
import { toNodeHandler } from '../../src/node'
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

  it('makes context.request only when asked, the same one each time, and aborts its signal when the client goes', async () => {
    const requests: Request[] = []
    let aborted = false
    const base = await listen(
      toNodeHandler(
        createSSEHandler((send, _close, context) => {
          const request = context.request
          requests.push(request, context.request)
          request.signal.addEventListener('abort', () => {
            aborted = true
          })
          send({ method: request.method, url: request.url, accept: request.headers.get('accept') })
        }),
      ),
    )
    const aborter = new AbortController()
    const response = await fetch(`${base}/room?x=1`, {
      headers: { accept: 'text/event-stream' },
      signal: aborter.signal,
    })
    const reader = sseReader(response.body!)
    expect(JSON.parse((await reader.next()).data)).toEqual({
      method: 'GET',
      url: `${base}/room?x=1`,
      accept: 'text/event-stream',
    })
    expect(requests[0]).toBeInstanceOf(Request)
    expect(requests[1]).toBe(requests[0])
    aborter.abort()
    await until(() => aborted, "the request's signal aborted")
  })

  it('serves a handler with a cors option on its Web path, the same stream', async () => {
    const base = await listen(
      toNodeHandler(
        createSSEHandler(
          (send, close, { lastEventId }) => {
            send({ lastEventId })
            close()
          },
          { cors: { origin: 'https://app.example' } },
        ),
      ),
    )
    const response = await fetch(`${base}/?lastEventId=7`, { headers: { origin: 'https://app.example' } })
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect((await eventsOf(response.body!)).map((e) => e.data)).toEqual(['{"lastEventId":"7"}'])
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

  it('serves HTTP/2 (node:http2 compatibility API) without the headers HTTP/2 forbids', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.message)
    process.on('warning', onWarning)
    const cleanup = vi.fn()
    const server = createHttp2Server(
      toNodeHandler(
        createSSEHandler((send, close) => {
          send('over h2')
          close()
          return cleanup
        }),
      ) as never,
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    try {
      const stream = session.request({ ':path': '/' })
      const [headers] = (await once(stream, 'response')) as [Record<string, string | number>]
      let body = ''
      stream.on('data', (chunk: Buffer) => (body += chunk))
      await once(stream, 'end')
      expect(headers[':status']).toBe(200)
      expect(headers['content-type']).toBe('text/event-stream')
      expect(headers.connection).toBeUndefined()
      expect(body).toBe(':\n\ndata: "over h2"\n\n')
      await until(() => cleanup.mock.calls.length === 1, 'the cleanup')
      // Node reports a forbidden header it dropped as a warning, asynchronously: give it its turn.
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([])
    } finally {
      process.off('warning', onWarning)
      session.close()
      server.close()
    }
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

/** A raw TCP client: what it is sent is kept as text; it reads unless `paused`. */
async function rawClient(base: string, requests: string, options: { paused?: boolean } = {}) {
  const { port } = new URL(base)
  const socket: Socket = connect(Number(port), '127.0.0.1')
  socket.on('error', () => {})
  let received = ''
  let closed = false
  // Errors (a reset) are the test's to watch; without a listener they would be thrown.
  socket.on('close', () => (closed = true))
  if (options.paused) socket.pause()
  else socket.on('data', (chunk) => (received += chunk.toString('latin1')))
  await once(socket, 'connect')
  socket.write(requests)
  return { socket, received: () => received, closed: () => closed }
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`

describe('toNodeHandler against hostile and unlucky clients', () => {
  it('pipelined requests: only the one that can send runs its callback; every callback gets one cleanup when the socket goes', async () => {
    const calls: string[] = []
    const cleanups: string[] = []
    const channel = createChannel<string>({ name: 'pipelined' })
    const handler = createSSEHandler(
      (send, _close, context) => {
        const path = new URL(context.request.url).pathname
        calls.push(path)
        send(path)
        channel.attach(context)
        return () => cleanups.push(path)
      },
      { keepAlive: false },
    )
    const base = await listen(toNodeHandler(handler))
    const sockets = 20
    const clients = await Promise.all(
      Array.from({ length: sockets }, (_, i) => rawClient(base, GET(`/a${i}`) + GET(`/b${i}`) + GET(`/c${i}`))),
    )
    await until(() => clients.every((c) => c.received().includes(`data: "/a`)), 'every first stream open')
    // The requests queued behind a stream that never ends have not run (nor subscribed).
    expect(calls.sort()).toEqual(Array.from({ length: sockets }, (_, i) => `/a${i}`).sort())
    expect(channel.size).toBe(sockets)
    for (const client of clients) client.socket.destroy()
    await until(() => cleanups.length === calls.length && channel.size === 0, 'every cleanup', 20_000)
    // Let anything late happen: a queued request must not wake up on a dead socket.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(cleanups.sort()).toEqual(calls.sort())
    expect(calls).toHaveLength(sockets)
  })

  it('a pipelined request runs once the stream ahead of it ends, and both answers arrive in order', async () => {
    const calls: string[] = []
    const base = await listen(
      toNodeHandler(
        createSSEHandler(
          (send, close, { request }) => {
            const path = new URL(request.url).pathname
            calls.push(path)
            send(path)
            close()
          },
          { keepAlive: false },
        ),
      ),
    )
    const client = await rawClient(base, GET('/first') + GET('/second'))
    await until(() => client.received().includes('data: "/second"'), 'the second answer')
    const text = client.received()
    expect(text.indexOf('data: "/first"')).toBeLessThan(text.indexOf('data: "/second"'))
    expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(2)
    expect(calls).toEqual(['/first', '/second'])
    client.socket.destroy()
  })

  it('HEAD then GET on one keep-alive socket: headers without a body, then the stream', async () => {
    const calls: string[] = []
    const base = await listen(
      toNodeHandler(
        createSSEHandler(
          (send, close, { request }) => {
            calls.push(request.method)
            send('after head')
            close()
          },
          { keepAlive: false },
        ),
      ),
    )
    const client = await rawClient(base, `HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n${GET('/')}`)
    await until(() => client.received().includes('data: "after head"'), 'the GET after the HEAD')
    const [head, get] = client.received().split(/(?=HTTP\/1\.1 )/)
    expect(head).toMatch(/^HTTP\/1\.1 200[\s\S]*content-type: text\/event-stream/i)
    expect(head).toMatch(/\r\n\r\n$/) // no body after the HEAD's headers
    expect(get).toMatch(/^HTTP\/1\.1 200/)
    expect(calls).toEqual(['GET'])
    client.socket.destroy()
  })

  it('a client cut for reading too slowly loses its socket, not just its stream', async () => {
    const errors: { code?: string }[] = []
    let serverSocket: Socket | undefined
    const payload = 'z'.repeat(64 * 1024)
    const handler = createSSEHandler(
      (send, _close, { request }) => {
        const timer = setInterval(() => {
          for (let i = 0; i < 16; i++) send(payload)
        }, 1)
        request.signal.addEventListener('abort', () => clearInterval(timer))
        return () => clearInterval(timer)
      },
      { maxBufferSize: 1024 * 1024, onError: (e) => errors.push(e as { code?: string }), keepAlive: false },
    )
    const base = await listen((req, res) => {
      serverSocket = req.socket
      return toNodeHandler(handler)(req, res)
    })
    // Node would close an ended keep-alive socket after 5 s of quiet by itself: only the cut may here.
    servers.at(-1)!.keepAliveTimeout = 0
    const client = await rawClient(base, GET('/'), { paused: true })
    await until(() => errors.length > 0, 'the overflow', 20_000)
    expect(errors[0]?.code).toBe('BUFFER_OVERFLOW')
    // The client still reads nothing: only a torn-down socket can close on the server side.
    await until(() => serverSocket?.destroyed === true, 'the server socket torn down', 20_000)
    // Reset, not closed gracefully: the kernel drops what it still held for this client at once, rather
    // than trickling megabytes to a reader that may never come back. The client, reading again, gets
    // what its own receive buffer held and no more (a graceful close delivers the server's send buffer
    // too: about 4 MB here).
    let received = 0
    client.socket.on('data', (chunk: Buffer) => (received += chunk.length))
    client.socket.resume()
    await until(() => client.closed(), 'the client to see its socket go', 20_000)
    if (process.platform === 'linux') {
      const receiveBuffer = Number(readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8').split(/\s+/)[1])
      expect(received).toBeLessThanOrEqual(2 * receiveBuffer)
    }
  }, 60_000)
})
