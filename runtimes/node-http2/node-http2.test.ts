/**
 * The contract app behind `node:http2` (h2c on a loopback port) through the package's Node adapter, as
 * `http2.createServer(toNodeHandler(handler))`, consumed with Node's HTTP/2 client over ONE session:
 * every stream of the run shares one connection, as a browser's do, so a disconnect is a stream reset
 * (RST_STREAM), not a closed socket.
 */
import { once } from 'node:events'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { toNodeHandler } from 'use-next-sse/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { handle } from '../contract/app'
import { type Opened, open, type Target } from '../contract/client'
import { leaveTogether, runContract } from '../contract/scenarios'

async function listen(): Promise<{ server: Http2Server; url: string; sessions: () => number }> {
  let sessions = 0
  const server = createServer(toNodeHandler(handle) as never)
  server.on('session', () => sessions++)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sessions: () => sessions }
}

/** Sends one request on `session`; resolves with the stream once the response head arrived. */
async function request(
  session: ClientHttp2Session,
  route: string,
  query: Record<string, string>,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ stream: ClientHttp2Stream; head: IncomingHttpHeaders }> {
  const stream = session.request(
    { ':method': method, ':path': `/${route}?${new URLSearchParams(query)}`, ...headers },
    { endStream: true },
  )
  const [head] = (await once(stream, 'response')) as [IncomingHttpHeaders]
  return { stream, head }
}

/** A {@link Target} over one HTTP/2 session: each request is a stream of it. */
function http2Target(session: ClientHttp2Session): Target {
  return {
    async open(route, query, headers, method): Promise<Opened> {
      const { stream, head } = await request(session, route, query, headers, method)
      const chunks = stream[Symbol.asyncIterator]()
      // Resetting the stream with CANCEL is what a browser does when an EventSource closes on HTTP/2.
      const reset = () => {
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL)
      }
      return {
        status: Number(head[':status']),
        header: (name) => {
          const value = head[name.toLowerCase()]
          return value === undefined ? null : String(value)
        },
        read: async () => {
          const { done, value } = await chunks.next()
          return done ? { done: true } : { done: false, value: new Uint8Array(value as Buffer) }
        },
        abort: reset,
        cancel: async () => reset(),
      }
    },
    async json(route, query) {
      const { stream, head } = await request(session, route, query)
      let body = ''
      for await (const chunk of stream) body += chunk
      if (Number(head[':status']) !== 200) throw new Error(`${route} answered ${head[':status']}: ${body}`)
      return JSON.parse(body)
    },
  }
}

runContract({
  name: 'node-http2',
  // Connection-specific headers are forbidden on HTTP/2 (RFC 9113 §8.2.2): the adapter leaves them out.
  connectionHeader: false,
  async start() {
    const { server, url } = await listen()
    const session = connect(url)
    return {
      target: http2Target(session),
      async stop() {
        session.destroy()
        server.close()
      },
    }
  },
  args: (seen) => expect(seen).toEqual([]),
})

describe('node-http2: one connection', () => {
  let started: Awaited<ReturnType<typeof listen>>
  let session: ClientHttp2Session
  beforeAll(async () => {
    started = await listen()
    session = connect(started.url)
  })
  afterAll(() => {
    session.destroy()
    started.server.close()
  })

  test('twenty streams on one session, reset at once, each run their cleanup exactly once', async () => {
    await leaveTogether(http2Target(session), `h2-${Date.now()}`, 20, 'abort')
    expect(started.sessions()).toBe(1)
  })

  test('a stream has no connection-specific headers, and Node warns about none', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.message)
    process.on('warning', onWarning)
    try {
      const stream = await open(http2Target(session), 'custom', { id: `h2-headers-${Date.now()}` })
      await stream.toEnd()
      for (const name of ['connection', 'keep-alive', 'transfer-encoding']) {
        expect(stream.response.header(name)).toBeNull()
      }
      expect(stream.events.map((e) => e.data)).toEqual(['"hello"'])
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).toEqual([])
  })
})
