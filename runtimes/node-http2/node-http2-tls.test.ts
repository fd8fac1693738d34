/**
 * HTTP/2 as browsers speak it: over TLS. The contract app behind `http2.createSecureServer({ cert, key,
 * allowHTTP1: true }, toNodeHandler(handler))` with a self-signed certificate made for the run (see
 * ./http2.ts), twice on the same kind of server: with Node's HTTP/2 client over one session that trusts
 * the certificate (ALPN picks h2), and with undici's fetch over HTTP/1.1 (ALPN picks http/1.1, which
 * `allowHTTP1` serves on the same port). The adapter sends `Connection: keep-alive` on the second only.
 */
import type { ClientHttp2Session } from 'node:http2'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Fetch, httpTarget, open } from '../contract/client'
import { leaveTogether, runContract } from '../contract/scenarios'
import {
  type Certificate,
  session as connect,
  http2Target,
  type Listening,
  listen,
  makeCertificate,
  runH2Contract,
} from './http2'

let certificate: Promise<Certificate> | undefined
const tls = () => (certificate ??= makeCertificate())

/** undici's fetch over HTTP/1.1 (undici offers h2 only when asked), trusting the run's certificate. */
function http1Fetch(ca: string): { fetch: Fetch; close(): Promise<void> } {
  const agent = new Agent({ connect: { ca } })
  return {
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>,
    close: () => agent.close(),
  }
}

runH2Contract('node-http2 (TLS)', tls)

runContract({
  name: 'node-http2 (TLS, HTTP/1.1 through allowHTTP1)',
  connectionHeader: true,
  async start() {
    const { cert, key } = await tls()
    const server = await listen({ cert, key })
    const client = http1Fetch(cert)
    return {
      target: httpTarget(server.url, client.fetch),
      async stop() {
        await client.close()
        await server.close()
        // Every request of the run came over HTTP/1.1: the fallback, not h2, served this contract.
        expect(new Set(server.seen.map((s) => s.httpVersion))).toEqual(new Set(['1.1']))
      },
    }
  },
  args: (seen) => expect(seen).toEqual([]),
})

describe('node-http2 (TLS): one port, both protocols', () => {
  let server: Listening
  let session: ClientHttp2Session
  let http1: ReturnType<typeof http1Fetch>
  beforeAll(async () => {
    const { cert, key } = await tls()
    server = await listen({ cert, key })
    session = await connect(server.url, cert)
    http1 = http1Fetch(cert)
  })
  afterAll(async () => {
    session.destroy()
    await http1.close()
    await server.close()
  })

  test('the same route over h2 and over HTTP/1.1: the same events, the Connection header on HTTP/1.1 only', async () => {
    const id = `tls-both-${Date.now()}`
    const h2 = await open(http2Target(session), 'custom', { id: `${id}-h2` })
    const h1 = await open(httpTarget(server.url, http1.fetch), 'custom', { id: `${id}-h1` })
    await Promise.all([h2.toEnd(), h1.toEnd()])
    expect(h2.events.map((e) => e.data)).toEqual(['"hello"'])
    expect(h1.events).toEqual(h2.events)
    expect(h2.response.header('connection')).toBeNull()
    expect(h1.response.header('connection')?.toLowerCase()).toBe('keep-alive')
    const custom = server.seen.filter((s) => s.path === '/custom')
    expect(custom.map((s) => s.httpVersion)).toEqual(['2.0', '1.1'])
  })

  test('twenty streams on one TLS session, reset at once, each run their cleanup exactly once', async () => {
    const before = server.sessions()
    await leaveTogether(http2Target(session), `tls-h2-${Date.now()}`, 20, 'abort')
    // The same session as the test before: no new connection was opened for the twenty.
    expect(server.sessions()).toBe(before)
    const streams = server.seen.filter((s) => s.path === '/idle')
    expect(streams).toHaveLength(20)
    expect(new Set(streams.map((s) => s.session)).size).toBe(1)
  })
})
