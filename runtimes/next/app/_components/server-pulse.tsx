'use client'
import { useSSE } from 'use-next-sse'
import { ConnectionBadge } from './connection-badge'

/** A line of live server time, for the pages that stream nothing else: the connection state, visible. */
export function ServerPulse() {
  const { data, error, connectionState } = useSSE<{ n: number; at: number }>({
    url: '/api/lifecycle?scenario=live',
    reconnect: { interval: 2000, maxAttempts: 10 },
  })
  return (
    <p className="row small muted" data-testid="server-pulse">
      <ConnectionBadge state={connectionState} error={error} />
      <span>
        {data ? (
          <>
            Server time <strong data-testid="server-time">{new Date(data.at).toLocaleTimeString()}</strong>, one event a
            second from <code>/api/lifecycle?scenario=live</code>
          </>
        ) : (
          'Connecting to the server…'
        )}
      </span>
    </p>
  )
}
