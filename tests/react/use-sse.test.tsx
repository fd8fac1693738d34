// @vitest-environment jsdom
/*
 * useSSE in jsdom, against a real SSE endpoint (createSSEHandler behind the Node adapter on a loopback
 * port). jsdom has no fetch of its own: vitest's jsdom environment keeps Node's global fetch, which
 * reaches the loopback server directly, so the hook runs unchanged, with no injected fetch.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { StrictMode, Suspense, startTransition, useEffect, useState } from 'react'
import { renderToString } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SSEData, SSEError } from '../../src/client'
import { type SSEResult, useSSE } from '../../src/react'
import type { SendFunction, SSECallback } from '../../src/server'
import { startSSEServer } from './server'

const teardown: (() => unknown)[] = []
afterEach(async () => {
  cleanup()
  for (const fn of teardown.splice(0).reverse()) await fn()
  // Let the registry's deferred closes run before the next test.
  await new Promise((resolve) => setTimeout(resolve, 5))
})

/** Starts a server whose connections run `script`; `sends` holds the `send` of each live connection. */
async function serve(script: SSECallback = () => {}, options?: Parameters<typeof startSSEServer>[1]) {
  const sends: SendFunction[] = []
  const server = await startSSEServer((send, close, context) => {
    sends.push(send)
    return script(send, close, context)
  }, options)
  teardown.push(() => server.close())
  return Object.assign(server, { sends, latest: () => sends.at(-1)! })
}

const until = (check: () => void) => waitFor(check, { timeout: 5000 })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Renders the hook's result as text, so tests read what a user would see. */
function Show<T>({
  options,
  onResult,
}: {
  options: Parameters<typeof useSSE<T>>[0]
  onResult?: (r: SSEResult<SSEData<T>>) => void
}) {
  const result = useSSE<T>(options)
  onResult?.(result)
  return (
    <div>
      <span data-testid="state">{result.connectionState}</span>
      <span data-testid="data">{JSON.stringify(result.data)}</span>
      <span data-testid="error">{result.error ? `${result.error.code}:${result.error.message}` : 'none'}</span>
      <span data-testid="id">{String(result.lastEventId)}</span>
      <button type="button" onClick={result.close}>
        close
      </button>
    </div>
  )
}

const text = (id: string) => screen.getAllByTestId(id).map((e) => e.textContent)

/* The seed README's components, and a few test harnesses, parameterised by URL. */

function Counter({ url }: { url: string }) {
  const { data, error } = useSSE<{ count: number }>({ url, eventName: 'counter' })
  if (error) return <div>Error: {error.message}</div>
  if (!data) return <div>Loading...</div>
  return <div>Count: {data.count}</div>
}

function SensorMonitor({ url }: { url: string }) {
  const temperature = useSSE<{ temperature: number }>({ url, eventName: 'temperature' })
  const humidity = useSSE<{ humidity: number }>({ url, eventName: 'humidity' })
  const pressure = useSSE<{ pressure: number }>({ url, eventName: 'pressure' })
  return (
    <p>
      {temperature.data?.temperature}/{humidity.data?.humidity}/{pressure.data?.pressure}
    </p>
  )
}

function GracefulClose({ url, onGracefulClose }: { url: string; onGracefulClose: (data: unknown) => void }) {
  const { connectionState, error, data } = useSSE({ url })
  useEffect(() => {
    if (connectionState === 'closed' && !error) onGracefulClose(data)
  }, [connectionState, error, data, onGracefulClose])
  return null
}

/** The README's "manual cleanup" pattern: close() in an effect cleanup. */
function CloseOnUnmount({ url }: { url: string }) {
  const { data, close, connectionState } = useSSE({ url, reconnect: { interval: 2000, maxAttempts: 3 } })
  useEffect(() => () => close(), [close])
  return <p>{`${connectionState}:${data}`}</p>
}

/** Re-renders on every click, with the reconnect option written inline. */
function Ticking({ url }: { url: string }) {
  const [tick, setTick] = useState(0)
  const { connectionState, data } = useSSE({ url, reconnect: { interval: 3000 } })
  return (
    <button type="button" onClick={() => setTick(tick + 1)}>
      {`${connectionState}:${data}:${tick}`}
    </button>
  )
}

function Pair({ url, showFirst }: { url: string; showFirst: boolean }) {
  return (
    <>
      {showFirst && <Show options={{ url }} />}
      <Show options={{ url }} />
    </>
  )
}

function Flaky({ url, onResult }: { url: string; onResult: (result: SSEResult<string>) => void }) {
  const result = useSSE<string>({ url })
  onResult(result)
  return <p>{`${result.connectionState}:${result.data}`}</p>
}

function Prefixed({ url, prefix, seen }: { url: string; prefix: string; seen: string[] }) {
  useSSE<number>({ url, onMessage: (data) => seen.push(`${prefix}:${data}`) })
  return null
}

/** Forever pending: a component that throws it suspends for good. */
const never = new Promise<never>(() => {})

function Suspending({ url, prefix, seen, suspend }: { url: string; prefix: string; seen: string[]; suspend: boolean }) {
  useSSE<number>({ url, onMessage: (data) => seen.push(`${prefix}:${data}`) })
  if (suspend) throw never
  return <>{prefix}</>
}

describe('the seed README, as documented', () => {
  it('Counter: Loading... then the count of each "counter" event', async () => {
    const server = await serve((send) => {
      send({ count: 1 }, 'counter')
      send({ count: 2 }, 'counter')
    })
    const { container } = render(<Counter url={server.url()} />)
    expect(container.textContent).toBe('Loading...')
    await until(() => expect(container.textContent).toBe('Count: 2'))
  })

  it('sensors: three hooks, three event names, one URL open ONE request', async () => {
    const server = await serve((send) => {
      send({ temperature: 21 }, 'temperature')
      send({ humidity: 40 }, 'humidity')
      send({ pressure: 1000 }, 'pressure')
    })
    const { container } = render(<SensorMonitor url={server.url()} />)
    await until(() => expect(container.textContent).toBe('21/40/1000'))
    expect(server.requests).toHaveLength(1)
  })

  it('a graceful server close is connectionState "closed" with error null (reconnect off)', async () => {
    const server = await serve((send, close) => {
      send({ done: true })
      close()
    })
    const graceful = vi.fn()
    render(<GracefulClose url={server.url()} onGracefulClose={graceful} />)
    await until(() => expect(graceful).toHaveBeenCalledWith({ done: true }))
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })

  it('error handling: a failed connection shows its error', async () => {
    const server = await serve()
    render(<Show options={{ url: server.url('/status/500') }} />)
    await until(() => expect(text('error')).toEqual(['HTTP_STATUS:HTTP 500']))
    expect(text('state')).toEqual(['closed'])
  })

  it('manual close: stable identity across renders; closing ends the request', async () => {
    const server = await serve((send) => {
      send(1)
    })
    const closes = new Set<() => void>()
    const { rerender } = render(<Show options={{ url: server.url() }} onResult={(r) => closes.add(r.close)} />)
    await until(() => expect(text('data')).toEqual(['1']))
    rerender(<Show options={{ url: server.url() }} onResult={(r) => closes.add(r.close)} />)
    expect(closes.size).toBe(1)
    fireEvent.click(screen.getByText('close'))
    await until(() => expect(text('state')).toEqual(['closed']))
    await until(() => expect(server.open.size).toBe(0))
  })

  it('the README cleanup pattern (close in an effect cleanup) still connects under StrictMode', async () => {
    const server = await serve((send) => {
      send('hi')
    })
    const { container } = render(
      <StrictMode>
        <CloseOnUnmount url={server.url()} />
      </StrictMode>,
    )
    await until(() => expect(container.textContent).toBe('open:hi'))
    expect(server.requests).toHaveLength(1)
  })
})

describe('beyond the seed', () => {
  it('StrictMode double mount keeps one connection', async () => {
    const server = await serve((send) => {
      send('x')
    })
    render(
      <StrictMode>
        <Show options={{ url: server.url() }} />
        <Show options={{ url: server.url(), eventName: 'other' }} />
      </StrictMode>,
    )
    await until(() => expect(text('data')).toEqual(['"x"', 'null']))
    await sleep(50)
    expect(server.requests).toHaveLength(1)
    expect(server.open.size).toBe(1)
  })

  it('regression: an inline reconnect object never reconnects on re-render', async () => {
    const server = await serve((send) => {
      send('first')
    })
    render(<Ticking url={server.url()} />)
    const button = screen.getByRole('button')
    await until(() => expect(button.textContent).toBe('open:first:0'))
    for (let i = 0; i < 20; i++) fireEvent.click(button)
    // Same connection, same state: the data received before the re-renders is still there.
    expect(button.textContent).toBe('open:first:20')
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })

  it('a change of value does reconnect', async () => {
    const server = await serve()
    const { rerender } = render(<Show options={{ url: server.url('/a') }} />)
    await until(() => expect(text('state')).toEqual(['open']))
    rerender(<Show options={{ url: server.url('/b') }} />)
    await until(() => expect(server.requests.map((r) => r.path)).toEqual(['/a', '/b']))
    await until(() => expect(server.open.size).toBe(1))
  })

  it('regression: no event is lost between renders; onMessage sees every one', async () => {
    const server = await serve((send) => {
      for (let i = 0; i < 200; i++) send(i, { id: String(i) })
    })
    const seen: number[] = []
    render(<Show<number> options={{ url: server.url(), onMessage: (data) => seen.push(data) }} />)
    await until(() => expect(seen).toHaveLength(200))
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i))
    await until(() => expect(text('data')).toEqual(['199']))
    expect(text('id')).toEqual(['199'])
  })

  it('regression: listeners are not duplicated after reconnects', async () => {
    let n = 0
    const server = await serve((send, close) => {
      send(++n, { id: String(n) })
      if (n < 4) close()
    })
    const seen: number[] = []
    render(
      <Show<number> options={{ url: server.url(), reconnect: { interval: 10 }, onMessage: (d) => seen.push(d) }} />,
    )
    await until(() => expect(seen).toEqual([1, 2, 3, 4]))
    await sleep(50)
    expect(seen).toEqual([1, 2, 3, 4])
  })

  it('reconnects resume from the last event id every time', async () => {
    let n = 0
    const server = await serve((send, close, { lastEventId }) => {
      send({ resumedFrom: lastEventId }, { id: `e${++n}` })
      if (n < 3) close()
    })
    render(<Show options={{ url: server.url(), reconnect: { interval: 10, maxAttempts: 5, backoff: true } }} />)
    await until(() => expect(text('data')).toEqual(['{"resumedFrom":"e2"}']))
    // jsdom's page is http://localhost:3000, the server 127.0.0.1: another origin, so the id travels in
    // the URL instead of a header that would cost a preflight (tests/client/resume.test.ts has both cases).
    expect(server.requests.map((r) => [r.lastEventId, r.query])).toEqual([
      [null, null],
      [null, 'e1'],
      [null, 'e2'],
    ])
    expect(text('id')).toEqual(['e3'])
  })

  it('rides out a deploy: a 502 is retried under reconnect, "connecting" with the status in error meanwhile', async () => {
    let n = 0
    const server = await serve((send, close, { lastEventId }) => {
      send({ from: lastEventId }, { id: `e${++n}` })
      if (n === 1) close()
    })
    const seen: string[] = []
    const record = (r: SSEResult<unknown>) => {
      const state = `${r.connectionState}:${r.error?.status ?? ''}`
      if (seen.at(-1) !== state) seen.push(state)
    }
    const url = server.url('/down/502/2-2')
    render(<Show options={{ url, reconnect: { interval: 20, maxAttempts: 5 } }} onResult={record} />)
    await until(() => expect(text('data')).toEqual(['{"from":"e1"}']))
    // Cross-origin here (see above): the id travels in the query.
    expect(server.requests.map((r) => r.query)).toEqual([null, 'e1', 'e1'])
    expect(seen).toEqual(['connecting:', 'open:', 'connecting:', 'connecting:502', 'open:'])
    expect(text('error')).toEqual(['none'])
  })

  it.each([
    ['/status/204', 'NO_CONTENT'],
    ['/status/401', 'HTTP_STATUS'],
    ['/status/403', 'HTTP_STATUS'],
    ['/status/404', 'HTTP_STATUS'],
    ['/json', 'CONTENT_TYPE'],
  ])('stops for good on %s (%s), reported in error, even with reconnect on', async (path, kind) => {
    const server = await serve()
    let error: SSEError | null = null
    render(<Show options={{ url: server.url(path), reconnect: true }} onResult={(r) => (error = r.error)} />)
    await until(() => expect(text('state')).toEqual(['closed']))
    expect(error!.code).toBe(kind)
    if (path.startsWith('/status')) expect(error!.status).toBe(Number(path.slice(8)))
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })

  it('a non-JSON payload never throws: error explains it; the next good event clears it', async () => {
    const server = await serve((_send, _close, { sendEvent }) => {
      sendEvent({ data: 'not json' })
    })
    render(<Show options={{ url: server.url() }} />)
    await until(() => expect(text('error')[0]).toMatch(/^PARSE:/))
    act(() => {
      server.latest()({ ok: true })
    })
    await until(() => expect(text('error')).toEqual(['none']))
    expect(text('data')).toEqual(['{"ok":true}'])
  })

  it("parse: 'text' and a function", async () => {
    const server = await serve((_send, _close, { sendEvent }) => {
      sendEvent({ data: 'plain' })
    })
    render(
      <>
        <Show options={{ url: server.url(), parse: 'text' }} />
        <Show options={{ url: server.url(), parse: (data) => data.toUpperCase() }} />
      </>,
    )
    await until(() => expect(text('data')).toEqual(['"plain"', '"PLAIN"']))
  })

  it('regression: close-then-unmount of one component leaves the shared connection to the other', async () => {
    const server = await serve((send) => {
      send(1)
    })
    const { rerender } = render(<Pair url={server.url()} showFirst />)
    await until(() => expect(text('data')).toEqual(['1', '1']))
    fireEvent.click(screen.getAllByText('close')[0]!)
    rerender(<Pair url={server.url()} showFirst={false} />)
    await sleep(30)
    act(() => {
      server.latest()(2)
    })
    await until(() => expect(text('data')).toEqual(['2']))
    expect(text('state')).toEqual(['open'])
    expect(server.requests).toHaveLength(1)
  })

  it('regression: withCredentials is not ignored for an already-open URL', async () => {
    const server = await serve()
    render(
      <>
        <Show options={{ url: server.url() }} />
        <Show options={{ url: server.url(), withCredentials: true }} />
      </>,
    )
    await until(() => expect(server.requests).toHaveLength(2))
  })

  it('regression: reconnecting after a fatal error does not reuse the closed source', async () => {
    const server = await serve((send) => {
      send('ok')
    })
    let result: SSEResult<string> | undefined
    const keep = (r: SSEResult<string>) => {
      result = r
    }
    const { container, rerender } = render(<Flaky url={server.url('/status/503')} onResult={keep} />)
    await until(() => expect(container.textContent).toBe('closed:null'))
    rerender(<Flaky url={server.url()} onResult={keep} />)
    await until(() => expect(container.textContent).toBe('open:ok'))
    act(() => result!.close())
    await until(() => expect(container.textContent).toBe('closed:ok'))
    act(() => result!.reconnect())
    await until(() => expect(container.textContent).toBe('open:ok'))
    expect(server.requests).toHaveLength(3)
  })

  it('enabled: connects only while true', async () => {
    const server = await serve()
    const { rerender } = render(<Show options={{ url: server.url(), enabled: false }} />)
    expect(text('state')).toEqual(['closed'])
    await sleep(30)
    expect(server.requests).toHaveLength(0)
    rerender(<Show options={{ url: server.url(), enabled: true }} />)
    await until(() => expect(text('state')).toEqual(['open']))
  })

  it('calls the callbacks of the latest render, never a stale closure', async () => {
    const server = await serve()
    const seen: string[] = []
    const { rerender } = render(<Prefixed url={server.url()} prefix="a" seen={seen} />)
    await until(() => expect(server.sends).toHaveLength(1))
    act(() => {
      server.latest()(1)
    })
    await until(() => expect(seen).toEqual(['a:1']))
    rerender(<Prefixed url={server.url()} prefix="b" seen={seen} />)
    act(() => {
      server.latest()(2)
    })
    await until(() => expect(seen).toEqual(['a:1', 'b:2']))
    expect(server.requests).toHaveLength(1)
  })

  it('never uses the callbacks of a render that was not committed (a suspended transition)', async () => {
    const server = await serve()
    const seen: string[] = []
    const page = (prefix: string, suspend: boolean) => (
      <Suspense fallback="loading">
        <Suspending url={server.url()} prefix={prefix} seen={seen} suspend={suspend} />
      </Suspense>
    )
    const { container, rerender } = render(page('a', false))
    await until(() => expect(server.sends).toHaveLength(1))
    // A transition whose render suspends is never committed: the page keeps showing the last commit.
    act(() => startTransition(() => rerender(page('b', true))))
    expect(container.textContent).toBe('a')
    act(() => {
      server.latest()(1)
    })
    await until(() => expect(seen).toEqual(['a:1']))
    expect(server.requests).toHaveLength(1)
  })

  it('onOpen and onError are called, with the latest callbacks', async () => {
    const server = await serve()
    const onOpen = vi.fn()
    const onError = vi.fn()
    render(<Show options={{ url: server.url(), onOpen }} />)
    await until(() => expect(onOpen).toHaveBeenCalledTimes(1))
    render(<Show options={{ url: server.url('/status/401'), onError }} />)
    await until(() =>
      expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'HTTP_STATUS', status: 401 })),
    )
  })

  it('sends headers', async () => {
    let seen: string | null = null
    const server = await serve((_send, _close, { request }) => {
      seen = request.headers.get('authorization')
    })
    render(<Show options={{ url: server.url(), headers: { authorization: 'Bearer x' } }} />)
    await until(() => expect(seen).toBe('Bearer x'))
  })

  it('server rendering: connecting, no data, and no request', async () => {
    const server = await serve()
    const html = renderToString(<Show options={{ url: server.url() }} />)
    expect(html).toContain('connecting')
    expect(html).toContain('null')
    await sleep(30)
    expect(server.requests).toHaveLength(0)
  })
})
