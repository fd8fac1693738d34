'use client'
import { useState } from 'react'
import { useSSE } from 'use-next-sse'
import type { GET } from '../api/export/route'
import { ConnectionBadge } from './connection-badge'
import { ProgressBar } from './progress-bar'

/** A button that starts an export; each run is a new connection. */
export function ExportPanel() {
  const [run, setRun] = useState(0)
  return (
    <section className="card">
      <div className="card-head">
        <div>
          <h2>orders.csv</h2>
          <p className="card-sub">2,400 records, read in chunks of 200 and written as CSV.</p>
        </div>
        <button type="button" onClick={() => setRun((n) => n + 1)} data-testid="start-export">
          {run === 0 ? 'Start export' : 'Export again'}
        </button>
      </div>
      {run === 0 ? (
        <div className="empty">Press “Start export”: the route streams its progress as it works.</div>
      ) : (
        <ExportProgress key={run} run={run} />
      )}
    </section>
  )
}

// Client: components/ExportProgress.tsx, as in the README. The README's route ends with a `complete`
// event, which a hook listening to `progress` never sees: a second hook on the same URL listens to it,
// sharing the connection.
export function ExportProgress({ run }: { run: number }) {
  // One URL per run: hooks share connections by URL, and a new run must not join the previous one.
  const url = `/api/export?run=${run}`
  const { data, error, connectionState } = useSSE<typeof GET, 'progress'>({
    url,
    eventName: 'progress',
  })
  const complete = useSSE<typeof GET, 'complete'>({ url, eventName: 'complete' })

  const status = (
    <div className="row" style={{ marginBottom: 12 }}>
      <ConnectionBadge state={connectionState} error={error} />
    </div>
  )
  if (error) return <div className="alert alert-error">Export failed: {error.message}</div>
  if (!data)
    return (
      <>
        {status}
        <div className="muted">Starting export...</div>
      </>
    )
  // The route says "complete" with its own event; a progress event never carries it (the types say so).
  const done = complete.data?.completed === true
  return (
    <div data-testid="export">
      {status}
      <ProgressBar value={done ? 100 : data.progress} done={!!done} />
      <div className="progress-meta">
        <p style={{ margin: 0 }} data-testid="processed">
          {data.processed.toLocaleString('en-US')} / {data.total.toLocaleString('en-US')} records processed
        </p>
        <span className="muted">{Math.round(data.progress)}%</span>
      </div>
      {done && complete.data && (
        <div className="alert alert-ok" data-testid="export-complete">
          Export completed! {complete.data.total.toLocaleString('en-US')} records,{' '}
          {(complete.data.bytes / 1024).toFixed(1)} KiB of CSV in {complete.data.seconds.toFixed(1)} s.
        </div>
      )}
    </div>
  )
}
