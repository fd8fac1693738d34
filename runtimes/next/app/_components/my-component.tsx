'use client'
import { useEffect, useRef, useState } from 'react'
import { type SSEOptions, useSSE } from 'use-next-sse'
import { ConnectionBadge } from './connection-badge'

/** Adds a line to the log, keeping the last six. */
const append = (line: string) => (log: string[]) => [...log, line].slice(-6)

interface Tick {
  n: number
  at: number
}

/**
 * The README's error-handling component (`MyComponent`): it tells an error from a graceful close, closes
 * on unmount, and offers a retry, with a log of what happened.
 */
export function MyComponent({
  title,
  description,
  url,
  reconnect,
}: {
  title: string
  description: string
  url: string
  reconnect: SSEOptions['reconnect']
}) {
  const { data, error, connectionState, close, reconnect: retry } = useSSE<Tick>({ url, reconnect })
  const [log, setLog] = useState<string[]>([])
  const closedByUser = useRef(false)

  useEffect(() => {
    if (error) {
      // The README logs with console.error; a warning here, since this page provokes errors on purpose.
      console.warn('SSE Error:', error)
      setLog(append(`error: ${error.message}`))
    }
  }, [error])

  useEffect(() => {
    if (connectionState === 'closed' && !error) {
      // Connection closed gracefully
      setLog(append(closedByUser.current ? 'closed by you' : 'closed by the server'))
    } else {
      setLog(append(connectionState))
    }
  }, [connectionState, error])

  // Manual cleanup on component unmount or user action
  useEffect(() => {
    return () => {
      close()
    }
  }, [close])

  const body = error ? (
    <div className="alert alert-error" data-testid="error">
      <p style={{ margin: '0 0 8px' }}>Connection error: {error.message}</p>
      <button type="button" className="secondary" onClick={retry}>
        Retry
      </button>
    </div>
  ) : (
    <>
      <dl className="facts">
        <dt>Last event</dt>
        <dd data-testid="last-tick">{data ? `#${data.n}` : '–'}</dd>
        <dt>Error</dt>
        <dd>none</dd>
      </dl>
      <div className="row" style={{ marginTop: 14 }}>
        {connectionState === 'closed' ? (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              closedByUser.current = false
              retry()
            }}
          >
            Connect again
          </button>
        ) : (
          <button
            type="button"
            className="danger"
            onClick={() => {
              closedByUser.current = true
              close()
            }}
          >
            Close
          </button>
        )}
      </div>
      {connectionState === 'closed' && (
        <div className="alert alert-info" data-testid="closed-note">
          {closedByUser.current ? 'You closed the connection.' : 'Connection closed by the server, without an error.'}
        </div>
      )}
    </>
  )

  return (
    <section className="card" data-testid={`lifecycle-${url.split('=')[1]}`}>
      <div className="card-head">
        <div>
          <h2>{title}</h2>
          <p className="card-sub">{description}</p>
        </div>
        <ConnectionBadge state={connectionState} error={error} />
      </div>
      {body}
      <ol className="note" data-testid="log" style={{ paddingLeft: 18 }}>
        {log.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: an append-only log
          <li key={i}>{line}</li>
        ))}
      </ol>
    </section>
  )
}
