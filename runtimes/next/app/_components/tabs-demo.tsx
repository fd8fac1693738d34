'use client'
import { useEffect, useState } from 'react'
import { useSSE } from 'use-next-sse'
import type { Connections, GET } from '../api/tabs/route'
import { ConnectionBadge } from './connection-badge'

let name = ''
/** This tab's name: four random letters, made on first use in the browser (never during server rendering). */
function tabName(): string {
  name ||= Math.random().toString(36).slice(2, 6)
  return name
}

/** Names the locks of the presence list below. */
const PRESENCE = 'use-next-sse demo tab '

/**
 * How many tabs of this page are open. Each holds a Web Lock named after it for as long as it lives (the
 * browser releases it when the tab closes or crashes, as it does the library's leader lock), and
 * `navigator.locks.query()` lists them. Web Locks have no change event, so the list is read twice a
 * second. `null` where the browser has no Web Locks.
 */
function useOpenTabs(): number | null {
  const [count, setCount] = useState<number | null>(null)
  useEffect(() => {
    const locks = navigator.locks
    if (!locks) return
    const quit = new AbortController()
    const held = new Promise<void>((resolve) => quit.signal.addEventListener('abort', () => resolve()))
    // Rejected when aborted before it was granted (StrictMode's unmount in development): nothing to undo.
    locks.request(`${PRESENCE}${tabName()}`, { signal: quit.signal }, () => held).catch(() => {})
    const read = () =>
      locks.query().then(({ held = [] }) => {
        if (!quit.signal.aborted) setCount(held.filter((lock) => lock.name?.startsWith(PRESENCE)).length)
      })
    read()
    const timer = setInterval(read, 500)
    return () => {
      clearInterval(timer)
      quit.abort()
    }
  }, [])
  return count
}

/** The ticks this tab received: how many, the last few, and any out of order (there should be none). */
interface Received {
  count: number
  last: number | null
  recent: { n: number; at: number }[]
  missed: number
  doubled: number
}

const NOTHING: Received = { count: 0, last: null, recent: [], missed: 0, doubled: 0 }

/**
 * Two hooks on one URL with `shareAcrossTabs: true`: in one tab they share one connection, and across
 * tabs the leader's connection is relayed to the others. The route names the tab behind each of its
 * connections (the `x-tab` header of the `headers` function, which runs in the tab that connects), so a
 * tab knows it leads when its name is among them.
 */
export function TabsDemo() {
  const [me, setMe] = useState('')
  useEffect(() => setMe(tabName()), [])
  const openTabs = useOpenTabs()
  const [received, setReceived] = useState(NOTHING)
  const [connections, setConnections] = useState<Connections | null>(null)
  const shared = {
    url: '/api/tabs',
    shareAcrossTabs: true,
    reconnect: { interval: 1000, maxAttempts: 10 },
    headers: () => ({ 'x-tab': tabName() }),
  }
  const tick = useSSE<typeof GET, 'tick'>({
    ...shared,
    eventName: 'tick',
    onMessage: ({ n, at, connections }) => {
      setConnections(connections)
      setReceived((r) => ({
        count: r.count + 1,
        last: Math.max(n, r.last ?? n),
        recent: [{ n, at }, ...r.recent].slice(0, 6),
        // The first tick of a tab is wherever the clock is; after that each is the next one.
        missed: r.missed + (r.last !== null && n > r.last + 1 ? n - r.last - 1 : 0),
        doubled: r.doubled + (r.last !== null && n <= r.last ? 1 : 0),
      }))
    },
  })
  // Sent as soon as a connection opens or closes; ticks carry the count too, for a tab that joins later.
  useSSE<typeof GET, 'connections'>({ ...shared, eventName: 'connections', onMessage: setConnections })
  const role = !connections || !me ? '…' : connections.tabs.includes(me) ? 'leader' : 'follower'

  return (
    <div className="stack">
      <div className="metrics">
        <div className="card metric-card">
          <div className="metric-title">This tab</div>
          <div className="metric-value" data-testid="role" data-tab={me}>
            {role}
          </div>
          <p className="small muted">
            named <code data-testid="tab-name">{me || '…'}</code>
          </p>
        </div>
        <div className="card metric-card">
          <div className="metric-title">Tabs open</div>
          <div className="metric-value" data-testid="open-tabs">
            {openTabs ?? '…'}
          </div>
          <p className="small muted">each holds a Web Lock while it lives</p>
        </div>
        <div className="card metric-card">
          <div className="metric-title">Server connections</div>
          <div className="metric-value" data-testid="server-connections">
            {connections?.open ?? '…'}
          </div>
          <p className="small muted">
            counted by the route{connections?.tabs.length ? `, opened by ${connections.tabs.join(', ')}` : ''}
          </p>
        </div>
      </div>
      <section className="card">
        <div className="card-head">
          <div>
            <h2>Ticks</h2>
            <p className="card-sub">
              <code>tick</code> events, one a second, the same in every tab
            </p>
          </div>
          <ConnectionBadge state={tick.connectionState} error={tick.error} />
        </div>
        <p className="small">
          <span data-testid="received">{received.count}</span> received, the last{' '}
          <span data-testid="last-tick">{received.last ?? '…'}</span>; missed{' '}
          <span data-testid="missed">{received.missed}</span>, doubled{' '}
          <span data-testid="doubled">{received.doubled}</span>
        </p>
        {received.recent.length === 0 ? (
          <p className="empty">Waiting for the first tick…</p>
        ) : (
          <ul className="feed" data-testid="ticks">
            {received.recent.map(({ n, at }) => (
              <li key={n}>
                <span>tick {n}</span>
                <time>{new Date(at).toLocaleTimeString()}</time>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  )
}
