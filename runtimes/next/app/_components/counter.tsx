'use client'
import { useState } from 'react'
import { useSSE } from 'use-next-sse'
import { ConnectionBadge } from './connection-badge'

const TOTAL = 10

/** The README's Counter, plus what a person wants to see: the state, the ten events, the graceful close. */
export default function Counter({ url, runtime, id }: { url: string; runtime: string; id: string }) {
  const [received, setReceived] = useState(0)
  const { data, error, connectionState, reconnect } = useSSE<{ count: number }>({
    url,
    eventName: 'counter',
    onMessage: () => setReceived((n) => n + 1),
  })
  const closedGracefully = connectionState === 'closed' && !error

  return (
    <section className="card" data-testid={`counter-${id}`}>
      <div className="card-head">
        <div>
          <h2>{runtime} runtime</h2>
          <p className="card-sub">
            <code>GET {url}</code>
          </p>
        </div>
        <ConnectionBadge state={connectionState} error={error} />
      </div>
      {error ? (
        <div className="alert alert-error">Error: {error.message}</div>
      ) : !data ? (
        <div className="big-number muted">…</div>
      ) : (
        <div className="big-number" data-testid="count">
          Count: {data.count}
        </div>
      )}
      <div className="pips" aria-hidden="true">
        {Array.from({ length: TOTAL }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed row of ten pips
          <div key={i} className={i < received ? 'pip on' : 'pip'} />
        ))}
      </div>
      <p className="small muted">
        <span data-testid="received">{received}</span> / {TOTAL} events received
      </p>
      {closedGracefully && (
        <div className="alert alert-ok row" data-testid="closed-gracefully">
          <span>Closed by the server after {received} events: a graceful close, no error.</span>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setReceived(0)
              reconnect()
            }}
          >
            Count again
          </button>
        </div>
      )}
    </section>
  )
}
