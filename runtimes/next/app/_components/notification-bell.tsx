'use client'
import { useState } from 'react'
import { useSSE } from 'use-next-sse'
import type { Notification } from '../_lib/notifications'
import type { GET } from '../api/notifications/route'
import { ConnectionBadge } from './connection-badge'
import { Icon } from './icon'

// Client: components/NotificationBell.tsx, as in the README, with the state badge and a feed.
export function NotificationBell() {
  const [feed, setFeed] = useState<Notification[]>([])
  const [busy, setBusy] = useState(false)
  const { data, error, connectionState } = useSSE<typeof GET>({
    url: '/api/notifications',
    eventName: 'notification',
    reconnect: true,
    // Every notification, even when several arrive between two renders. The service repeats the latest
    // one to a new subscription (so a new tab shows the badge at once): keep each id once.
    onMessage: (notification) => {
      if (notification.kind !== 'new') return
      setFeed((previous) =>
        previous.some((n) => n.id === notification.id) ? previous : [notification, ...previous].slice(0, 20),
      )
    },
  })

  const post = async (body: object) => {
    setBusy(true)
    try {
      await fetch('/api/notifications', { method: 'POST', body: JSON.stringify(body) })
    } finally {
      setBusy(false)
    }
  }

  const unreadCount = data?.unreadCount ?? 0
  return (
    <section className="card">
      <div className="card-head">
        <div className="row">
          <div className="notification-bell" role="img" aria-label={`${unreadCount} unread notifications`}>
            <Icon name="bell" size={22} />
            {data && unreadCount > 0 && (
              <span className="badge" data-testid="unread-count">
                {data.unreadCount}
              </span>
            )}
          </div>
          <div>
            <h2>Inbox</h2>
            <p className="card-sub">{unreadCount === 0 ? 'No unread notifications' : `${unreadCount} unread`}</p>
          </div>
        </div>
        <ConnectionBadge state={connectionState} error={error} />
      </div>
      {error && <div className="alert alert-error">Error loading notifications</div>}
      <div className="row" style={{ margin: '8px 0 16px' }}>
        <button type="button" onClick={() => post({})} disabled={busy} data-testid="notify">
          Send me a notification
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => post({ action: 'read' })}
          disabled={busy || unreadCount === 0}
          data-testid="mark-read"
        >
          Mark all as read
        </button>
      </div>
      {feed.length === 0 ? (
        <div className="empty">Notifications arrive here live. Open this page in a second tab and watch both.</div>
      ) : (
        <ul className="feed" data-testid="feed">
          {feed.map((n) => (
            <li key={n.id}>
              <span>{n.title}</span>
              <time dateTime={new Date(n.createdAt).toISOString()}>{new Date(n.createdAt).toLocaleTimeString()}</time>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
