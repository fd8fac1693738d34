'use client'
import { useState } from 'react'
import { useSSE } from 'use-next-sse'
import type { Metrics } from '../_lib/metrics'
import type { GET } from '../api/metrics/route'
import { MetricCard, type Point } from './metric-card'

/** Samples kept: the chart shows the last minute, and at one sample every 5 s that is 12; keep a margin. */
const KEEP = 24

const series = (history: Metrics[], pick: (m: Metrics) => number): Point[] => history.map((m) => [m.at, pick(m)])

// Client: components/Dashboard.tsx, as in the README, with a short history per metric.
export function Dashboard() {
  const [history, setHistory] = useState<Metrics[]>([])
  // Typed by the route (a type-only import): `eventName` is checked, `data` is a Metrics.
  const { data, error, connectionState } = useSSE<typeof GET>({
    url: '/api/metrics',
    eventName: 'metrics',
    reconnect: { interval: 3000, maxAttempts: 10 },
    onMessage: (metrics) => setHistory((previous) => [...previous, metrics].slice(-KEEP)),
  })

  return (
    <div className="stack">
      <div className="card row" style={{ justifyContent: 'space-between' }}>
        <div className="row">
          <div
            className={`status status-${connectionState}`}
            data-testid="connection-state"
            data-state={connectionState}
          >
            {connectionState}
          </div>
          <span className="small muted">
            {connectionState === 'connecting' && history.length > 0
              ? 'Connection lost: reconnecting every 3 s, up to 10 attempts.'
              : 'A new sample every 5 seconds.'}
          </span>
        </div>
        {data && (
          <span className="small muted" data-testid="sample">
            Sample #{data.sample} at {new Date(data.at).toLocaleTimeString()}
          </span>
        )}
      </div>
      {error && <div className="alert alert-error">{error.message}</div>}
      {data ? (
        <div className="metrics">
          <MetricCard title="Active Users" value={data.activeUsers} history={series(history, (m) => m.activeUsers)} />
          <MetricCard
            title="Requests/sec"
            value={data.requestsPerSecond}
            history={series(history, (m) => m.requestsPerSecond)}
          />
          <MetricCard title="Error Rate" value={`${data.errorRate}%`} history={series(history, (m) => m.errorRate)} />
        </div>
      ) : (
        <div className="empty">Waiting for the first sample…</div>
      )}
    </div>
  )
}
