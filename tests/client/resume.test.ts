import { describe, expect, it, vi } from 'vitest'
import { EventSource, type EventSourceInit, LAST_EVENT_ID_PARAM } from '../../src/client'
import { resumeFrom } from '../../src/client/resume'
import { LAST_EVENT_ID_PARAM as SERVER_PARAM } from '../../src/server'
import { type SeenRequest, type Server, sse, testScope, until } from './helpers'

const { cleanup, serve } = testScope()

const page = { href: 'https://app.example.com/chat/lobby', origin: 'https://app.example.com' }

/** resumeFrom's answer on `where` (`'no page'`: none): the URL to fetch and the Last-Event-ID header it set. */
function resume(url: string, id: string, where: typeof page | 'no page' = page) {
  const headers = new Headers({ accept: 'text/event-stream' })
  // Called with an explicit undefined, resumeFrom would default to globalThis.location.
  const fetched = where === 'no page' ? resumeFrom(url, id, headers, undefined) : resumeFrom(url, id, headers, where)
  return { url: fetched, header: headers.get('last-event-id') }
}

describe('resumeFrom: where the last event id goes', () => {
  it('is the same parameter the server reads', () => {
    expect(LAST_EVENT_ID_PARAM).toBe('lastEventId')
    expect(LAST_EVENT_ID_PARAM).toBe(SERVER_PARAM)
  })

  it('same-origin: the Last-Event-ID header, as UTF-8 bytes, and the URL untouched', () => {
    expect(resume('/api/feed?room=a', '7')).toEqual({ url: '/api/feed?room=a', header: '7' })
    expect(resume('https://app.example.com/api/feed', 'été')).toEqual({
      url: 'https://app.example.com/api/feed',
      header: unescape(encodeURIComponent('été')),
    })
  })

  it('with no page (Node, a server-side fetch): the header, since CORS does not apply', () => {
    expect(resume('https://api.example.com/feed', '7', 'no page')).toEqual({
      url: 'https://api.example.com/feed',
      header: '7',
    })
  })

  it('cross-origin: the query parameter, and no header', () => {
    expect(resume('https://api.example.com/feed', '7')).toEqual({
      url: 'https://api.example.com/feed?lastEventId=7',
      header: null,
    })
  })

  it('counts another port, another scheme and another host name for the same address as cross-origin', () => {
    for (const url of ['https://app.example.com:8443/feed', 'http://app.example.com/feed']) {
      expect(resume(url, '1').header).toBeNull()
    }
    const local = { href: 'http://localhost:3000/', origin: 'http://localhost:3000' }
    expect(resume('http://127.0.0.1:3000/feed', '1', local)).toEqual({
      url: 'http://127.0.0.1:3000/feed?lastEventId=1',
      header: null,
    })
  })

  it('replaces a value the URL already has (a page resuming after a reload), wherever it sits', () => {
    expect(resume('https://api.example.com/feed?lastEventId=1', '2').url).toBe(
      'https://api.example.com/feed?lastEventId=2',
    )
    expect(resume('https://api.example.com/feed?a=1&lastEventId=1&b=2&lastEventId=0', '9').url).toBe(
      'https://api.example.com/feed?a=1&b=2&lastEventId=9',
    )
    // A bare name, and one spelled with an escape, are the same parameter to the server.
    expect(resume('https://api.example.com/feed?lastEventId&last%45ventId=3', '4').url).toBe(
      'https://api.example.com/feed?lastEventId=4',
    )
  })

  it('keeps the rest of the query byte for byte, and a fragment', () => {
    expect(resume('https://api.example.com/feed?q=a%20b&path=/x&plus=a+b&empty=&&x#top', '5').url).toBe(
      'https://api.example.com/feed?q=a%20b&path=/x&plus=a+b&empty=&x&lastEventId=5#top',
    )
    // Only that exact name: other parameters that merely contain it stay.
    expect(resume('https://api.example.com/feed?lastEventIds=1&x=lastEventId', '5').url).toBe(
      'https://api.example.com/feed?lastEventIds=1&x=lastEventId&lastEventId=5',
    )
  })

  it('encodes the id so the server reads back exactly what the stream sent', () => {
    for (const id of ['a b', 'a+b', '50%', 'x&lastEventId=evil', 'é😀', '#1', '?']) {
      const url = resume('https://api.example.com/feed?room=a', id).url
      const params = new URL(url).searchParams
      expect(params.getAll(LAST_EVENT_ID_PARAM)).toEqual([id])
      expect(params.get('room')).toBe('a')
    }
  })

  it('resolves a relative URL against the page, so a relative cross-origin URL is seen as such', () => {
    const other = { href: 'https://app.example.com/', origin: 'https://app.example.com' }
    expect(resume('//api.example.com/feed', '3', other)).toEqual({
      url: 'https://api.example.com/feed?lastEventId=3',
      header: null,
    })
  })

  it('counts every URL as cross-origin from an opaque origin (a sandboxed iframe, file:)', () => {
    const sandboxed = { href: 'https://app.example.com/frame', origin: 'null' }
    expect(resume('https://app.example.com/feed', '3', sandboxed).header).toBeNull()
  })
})

describe('EventSource across origins', () => {
  /** A server that sends one event with the next id on each connection and ends the stream. */
  async function counting(): Promise<Server> {
    let id = 0
    return serve((_req, res) => {
      id += 1
      sse(`retry: 1\nid: ${id}\ndata: ${id}\n\n`)(_req, res)
    })
  }

  function open(url: string, init?: EventSourceInit): EventSource {
    const source = new EventSource(url, init)
    cleanup.push(() => source.close())
    return source
  }

  /** Where each request carried the id: its header, and its query parameter. */
  const carried = (requests: SeenRequest[]) =>
    requests.map(({ url, lastEventId }) => ({
      header: lastEventId,
      query: new URL(url, 'http://x').searchParams.get(LAST_EVENT_ID_PARAM),
    }))

  function onPage(href: string) {
    const { origin } = new URL(href)
    vi.stubGlobal('location', { href, origin })
    cleanup.push(() => vi.unstubAllGlobals())
  }

  it('cross-origin: reconnects carry the id in the URL and send only Accept', async () => {
    const server = await counting()
    onPage('http://localhost:1/page')
    open(`${server.url}feed?room=a`)
    await until(() => expect(server.requests.length).toBeGreaterThanOrEqual(3))
    expect(carried(server.requests.slice(0, 3))).toEqual([
      { header: null, query: null },
      { header: null, query: '1' },
      { header: null, query: '2' },
    ])
    expect(server.requests[2]!.url).toBe('/feed?room=a&lastEventId=2')
    // The reconnection adds no header to what the first request sent (Accept, the only one set by
    // script, is safelisted): nothing that would cost a preflight.
    const names = (request: SeenRequest) => Object.keys(request.headers).sort()
    expect(names(server.requests[2]!)).toEqual(names(server.requests[0]!))
    expect(server.requests[2]!.headers.accept).toBe('text/event-stream')
  })

  it('cross-origin: replaces the id the page passed in the URL once the stream has its own', async () => {
    const server = await counting()
    onPage('http://localhost:1/page')
    open(`${server.url}feed?lastEventId=41`)
    await until(() => expect(server.requests.length).toBeGreaterThanOrEqual(2))
    expect(server.requests.slice(0, 2).map((r) => r.url)).toEqual(['/feed?lastEventId=41', '/feed?lastEventId=1'])
  })

  it('same-origin: reconnects send Last-Event-ID and leave the URL as given', async () => {
    const server = await counting()
    onPage(`${server.url}page`)
    open(`${server.url}feed?lastEventId=41`)
    await until(() => expect(server.requests.length).toBeGreaterThanOrEqual(3))
    expect(carried(server.requests.slice(0, 3))).toEqual([
      { header: null, query: '41' },
      { header: '1', query: '41' },
      { header: '2', query: '41' },
    ])
  })

  it('in Node (no location): the header, as before', async () => {
    const server = await counting()
    expect(globalThis.location).toBeUndefined()
    open(`${server.url}feed`)
    await until(() => expect(server.requests.length).toBeGreaterThanOrEqual(2))
    expect(carried(server.requests.slice(0, 2))).toEqual([
      { header: null, query: null },
      { header: '1', query: null },
    ])
  })

  it('cross-origin with headers of its own: they are sent, and the id still goes in the URL', async () => {
    const server = await counting()
    onPage('http://localhost:1/page')
    open(`${server.url}feed`, { headers: { authorization: 'Bearer t' } })
    await until(() => expect(server.requests.length).toBeGreaterThanOrEqual(2))
    expect(server.requests[1]).toMatchObject({ url: '/feed?lastEventId=1', lastEventId: null })
    expect(server.requests[1]!.headers.authorization).toBe('Bearer t')
  })
})
