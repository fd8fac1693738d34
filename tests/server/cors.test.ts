import { describe, expect, it, vi } from 'vitest'
import { createSSEHandler, type SSEHandlerOptions } from '../../src/server'
import { sseReader } from '../helpers/sse'

const url = 'http://api.example.test/events'
const site = 'https://app.example.test'

function preflight(origin: string, headers = 'authorization, content-type', method = 'GET') {
  return new Request(url, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
  })
}

function route(cors: SSEHandlerOptions['cors']) {
  const callback = vi.fn((send: (d: unknown) => boolean) => {
    send('hi')
  })
  return { callback, handler: createSSEHandler(callback, { cors, keepAlive: false }) }
}

describe('cors', () => {
  it('lets an allowed origin read the stream, with Vary: Origin and credentials when asked', async () => {
    const { handler, callback } = route({ origin: [site, 'https://other.test'], credentials: true })
    const response = handler(new Request(url, { headers: { Origin: site } }))
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(site)
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('vary')).toBe('Origin')
    expect(callback).toHaveBeenCalledTimes(1)
    const reader = sseReader(response.body!)
    expect((await reader.next()).data).toBe('"hi"')
    await reader.cancel()
  })

  it('refuses any other origin with 403: no stream, no callback', () => {
    const { handler, callback } = route({ origin: site })
    const response = handler(new Request(url, { headers: { Origin: 'https://evil.test' } }))
    expect(response.status).toBe(403)
    expect(response.body).toBeNull()
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(callback).not.toHaveBeenCalled()
  })

  it('serves a request without Origin as usual (same-origin, server to server)', () => {
    const { handler, callback } = route({ origin: site })
    const response = handler(new Request(url))
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(callback).toHaveBeenCalledTimes(1)
    return response.body!.cancel()
  })

  it("serves the route's own origin as usual, without listing it (browsers send Origin on a same-origin POST)", () => {
    const { handler, callback } = route({ origin: site })
    const response = handler(new Request(url, { method: 'POST', body: '{}', headers: { Origin: new URL(url).origin } }))
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(callback).toHaveBeenCalledTimes(1)
    // A look-alike is another origin: refused.
    const other = handler(new Request(url, { headers: { Origin: 'http://api.example.test.evil.test' } }))
    expect(other.status).toBe(403)
    return response.body!.cancel()
  })

  it('answers a preflight with 204 and what the browser asked for, plus last-event-id; never a stream', () => {
    const { handler, callback } = route({ origin: site, maxAge: 120 })
    const response = handler(preflight(site, 'Authorization, Content-Type'))
    expect(response.status).toBe(204)
    expect(response.body).toBeNull()
    expect(response.headers.get('content-type')).toBeNull()
    expect(response.headers.get('access-control-allow-origin')).toBe(site)
    expect(response.headers.get('access-control-allow-methods')).toBe('GET')
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type, last-event-id')
    expect(response.headers.get('access-control-max-age')).toBe('120')
    expect(response.headers.get('vary')).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
    expect(callback).not.toHaveBeenCalled()
  })

  it('allows exactly allowHeaders (and last-event-id) when given, and exposes headers', () => {
    const { handler } = route({ origin: '*', allowHeaders: ['X-Token'], exposeHeaders: ['X-Request-Id'] })
    const answer = handler(preflight(site, 'x-token, x-other'))
    expect(answer.headers.get('access-control-allow-origin')).toBe('*')
    expect(answer.headers.get('access-control-allow-headers')).toBe('x-token, last-event-id')
    const stream = handler(new Request(url, { headers: { Origin: site } }))
    expect(stream.headers.get('access-control-expose-headers')).toBe('X-Request-Id')
    // '*' does not depend on the request: no Vary.
    expect(stream.headers.get('vary')).toBeNull()
    return stream.body!.cancel()
  })

  it('refuses a preflight from a refused origin, and a policy function that throws denies', () => {
    const { handler } = route({
      origin: (origin) => {
        if (origin === 'https://broken.test') throw new Error('policy bug')
        return origin.endsWith('.example.test')
      },
    })
    expect(handler(preflight('https://evil.test')).status).toBe(403)
    expect(handler(preflight('https://broken.test')).status).toBe(403)
    expect(handler(preflight(site)).status).toBe(204)
  })

  it('refuses options browsers would reject, when the handler is made', () => {
    expect(() => createSSEHandler(() => {}, { cors: { origin: '*', credentials: true } })).toThrow(/credentials/)
    expect(() => createSSEHandler(() => {}, { cors: { origin: site, maxAge: -1 } })).toThrow(/maxAge/)
    expect(() => createSSEHandler(() => {}, { cors: { origin: 42 as never } })).toThrow(/cors.origin/)
  })
})
