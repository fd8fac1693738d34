import type { SSEConnectionState } from 'use-next-sse/react'

/**
 * The connection state as a badge: `connecting`, `open`, `closed`, or `error` when the hook holds an
 * error (a closed connection with no error is a graceful close).
 */
export function ConnectionBadge({ state, error }: { state: SSEConnectionState; error?: Error | null }) {
  const shown = error && state !== 'open' ? 'error' : state
  return (
    <span className={`status status-${shown}`} data-testid="connection-state" data-state={state}>
      {shown}
    </span>
  )
}
