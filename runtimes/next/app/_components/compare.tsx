'use client'
import { useEffect, useState } from 'react'
import { EventSource as OurEventSource } from 'use-next-sse/client'
import { ConnectionBadge } from './connection-badge'

/** One thing an EventSource dispatched. */
export type Dispatched =
  | { type: 'open' }
  | { type: 'error'; readyState: number }
  | { type: string; data: string; lastEventId: string }

export interface Comparison {
  native: Dispatched[]
  ours: Dispatched[]
  /** True when a source never reached the end of the stream. */
  timedOut: boolean
}

const SOURCES = [
  { id: 'handler', title: 'Through createSSEHandler', url: '/api/compare?source=handler' },
  { id: 'raw', title: 'Hand-written bytes', url: '/api/compare?source=raw' },
] as const

/** The event types the stream uses: a listener each (`message` included). */
const TYPES = ['message', 'update', 'custom']

const STATES = ['connecting', 'open', 'closed'] as const

interface SourceLike {
  readonly readyState: number
  addEventListener(type: string, listener: (event: Event) => void): void
  close(): void
}

/**
 * Records what `source` dispatches until the stream ends (the first `error`, where both would wait to
 * reconnect), then closes it.
 */
function record(source: SourceLike, onChange: (events: Dispatched[], state: number) => void): Promise<Dispatched[]> {
  const events: Dispatched[] = []
  return new Promise((resolve) => {
    source.addEventListener('open', () => {
      events.push({ type: 'open' })
      onChange(events, source.readyState)
    })
    for (const type of TYPES) {
      source.addEventListener(type, (event) => {
        const { data, lastEventId } = event as MessageEvent<string>
        events.push({ type: event.type, data, lastEventId })
        onChange(events, source.readyState)
      })
    }
    source.addEventListener('error', () => {
      events.push({ type: 'error', readyState: source.readyState })
      source.close()
      onChange(events, source.readyState)
      resolve(events)
    })
  })
}

declare global {
  interface Window {
    /** The finished comparisons, for the e2e test. */
    __compare?: Record<string, Comparison>
  }
}

function same(a: Dispatched | undefined, b: Dispatched | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function show(event: Dispatched | undefined) {
  if (!event) return <span className="muted">–</span>
  if (!('data' in event))
    return <strong>{event.type === 'error' ? `error (readyState ${event.readyState})` : 'open'}</strong>
  return (
    <>
      <strong>{event.type}</strong> <Value text={event.data} />
      <br />
      <span className="muted">lastEventId</span> <Value text={event.lastEventId} />
    </>
  )
}

/** A string as it is: line breaks as line breaks, spaces visible against a background, empty said so. */
function Value({ text }: { text: string }) {
  if (text === '') return <span className="value empty-value">empty</span>
  return <span className="value">{text}</span>
}

function ComparisonTable({ id, title, url }: (typeof SOURCES)[number]) {
  const [native, setNative] = useState<{ events: Dispatched[]; state: number }>({ events: [], state: 0 })
  const [ours, setOurs] = useState<{ events: Dispatched[]; state: number }>({ events: [], state: 0 })
  const [timedOut, setTimedOut] = useState(false)

  useEffect(() => {
    const sources: SourceLike[] = [new window.EventSource(url), new OurEventSource(url)]
    const [a, b] = sources.map((source, i) =>
      record(source, (events, state) => (i === 0 ? setNative : setOurs)({ events: [...events], state })),
    )
    // A generous bound, so that a client that never ends the stream shows up as a failure, not a hang.
    let expired = false
    const timer = setTimeout(() => {
      expired = true
      setTimedOut(true)
      for (const source of sources) source.close()
    }, 20_000)
    Promise.all([a!, b!]).then(([native, ours]) => {
      clearTimeout(timer)
      window.__compare = { ...window.__compare, [id]: { native, ours, timedOut: expired } }
    })
    return () => {
      clearTimeout(timer)
      for (const source of sources) source.close()
    }
  }, [id, url])

  const rows = Math.max(native.events.length, ours.events.length)
  const differences = Array.from({ length: rows }, (_, i) => !same(native.events[i], ours.events[i])).filter(Boolean)
  const done = native.state === 2 && ours.state === 2
  return (
    <section className="card" data-testid={`compare-${id}`}>
      <div className="card-head">
        <div>
          <h2>{title}</h2>
          <p className="card-sub">
            <code>GET {url}</code>
          </p>
        </div>
        <div className="summary" data-testid="summary">
          {timedOut ? (
            <span className="status status-error">timed out</span>
          ) : !done ? (
            <span className="status status-connecting">reading</span>
          ) : differences.length === 0 ? (
            <span className="status status-open">identical: {rows} events</span>
          ) : (
            <span className="status status-error">{differences.length} differ</span>
          )}
        </div>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th style={{ width: 36 }}>#</th>
              <th>
                <span className="row">
                  Native EventSource <ConnectionBadge state={STATES[native.state as 0 | 1 | 2]} />
                </span>
              </th>
              <th>
                <span className="row">
                  use-next-sse/client <ConnectionBadge state={STATES[ours.state as 0 | 1 | 2]} />
                </span>
              </th>
              <th style={{ width: 48 }} />
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: rows }, (_, i) => {
              const match = same(native.events[i], ours.events[i])
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are positions in two append-only lists
                <tr key={i}>
                  <td className="muted">{i + 1}</td>
                  <td className="wire">{show(native.events[i])}</td>
                  <td className="wire">{show(ours.events[i])}</td>
                  <td className={`verdict ${match ? 'same' : 'different'}`}>{match ? '✓' : '✗'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

/** Both streams, each read at once by the browser's EventSource and by use-next-sse's. */
export function Compare() {
  return (
    <div className="stack">
      {SOURCES.map((source) => (
        <ComparisonTable key={source.id} {...source} />
      ))}
    </div>
  )
}
