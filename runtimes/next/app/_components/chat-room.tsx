'use client'
import { type FormEvent, Fragment, useEffect, useRef, useState } from 'react'
import { LAST_EVENT_ID_PARAM, useSSE } from 'use-next-sse'
import type { Message } from '../_lib/chat-types'
import { ChatMessage } from './chat-message'
import { ConnectionBadge } from './connection-badge'

/** What survives a reload, per tab: the messages shown and the id of the last event received. */
interface Saved {
  messages: Message[]
  lastEventId: string | null
}

const KEEP = 200
const keyOf = (roomId: string) => `chat:${roomId}`

function load(roomId: string): Saved {
  try {
    const saved = JSON.parse(sessionStorage.getItem(keyOf(roomId)) ?? 'null') as Saved | null
    if (saved && Array.isArray(saved.messages)) return saved
  } catch {
    // Unreadable or unavailable storage: start afresh, as a first visit.
  }
  return { messages: [], lastEventId: null }
}

function save(roomId: string, saved: Saved): void {
  try {
    sessionStorage.setItem(keyOf(roomId), JSON.stringify(saved))
  } catch {
    // Storage full or disabled: the room still works, a reload just starts afresh.
  }
}

/**
 * Client: components/ChatRoom.tsx. Rendered in the browser only: what to resume from is in this tab's
 * sessionStorage, which the server cannot see.
 */
export function ChatRoom({ roomId, renderedAt }: { roomId: string; renderedAt: number }) {
  const [saved, setSaved] = useState<Saved | null>(null)
  useEffect(() => setSaved(load(roomId)), [roomId])
  if (!saved) {
    return (
      <section className="card chat-room">
        <div className="muted">Joining #{roomId}…</div>
      </section>
    )
  }
  return <Room roomId={roomId} saved={saved} renderedAt={renderedAt} />
}

function Room({ roomId, saved, renderedAt }: { roomId: string; saved: Saved; renderedAt: number }) {
  const [messages, setMessages] = useState(saved.messages)
  const [missed, setMissed] = useState<string[]>([])
  const [name, setName] = useState(
    () => localStorage.getItem('chat-name') ?? `Guest ${100 + Math.floor(Math.random() * 900)}`,
  )
  const latest = useRef(saved)
  const list = useRef<HTMLDivElement>(null)
  // A reload is a new connection with nothing to resume from but this tab's storage: the saved id goes
  // in the URL, where createSSEHandler reads it into context.lastEventId. From then on the hook resumes
  // by itself (Last-Event-ID here, the same parameter cross-origin, replacing this one), so the URL is
  // made once, at mount: it must not change with every message.
  const [url] = useState(
    () =>
      `/api/chat/${roomId}${saved.lastEventId ? `?${LAST_EVENT_ID_PARAM}=${encodeURIComponent(saved.lastEventId)}` : ''}`,
  )

  const { connectionState, error } = useSSE<Message>({
    url,
    eventName: 'message',
    reconnect: true,
    // Once per event, in order: messages replayed on resume arrive together, before any render.
    onMessage: (message, event) => {
      const next = {
        messages: [...latest.current.messages, message].slice(-KEEP),
        lastEventId: event.lastEventId || latest.current.lastEventId,
      }
      latest.current = next
      save(roomId, next)
      setMessages(next.messages)
      // Posted before this page was rendered and not in this tab's history: missed while away.
      if (saved.lastEventId && message.timestamp < renderedAt) setMissed((ids) => [...ids, message.id])
    },
  })
  // Sent by the channel when the saved id is older than the room's history (or from before a restart).
  const gap = useSSE({ url, eventName: 'gap', reconnect: true })

  useEffect(() => {
    const element = list.current
    if (element && messages.length > 0) element.scrollTop = element.scrollHeight
  }, [messages.length])

  const firstMissed = missed[0]
  return (
    <section className="card chat-room">
      <div className="card-head">
        <div>
          <h2># {roomId}</h2>
          <p className="card-sub">
            {messages.length} message{messages.length === 1 ? '' : 's'} in this tab · resumes from{' '}
            <code data-testid="last-event-id">{latest.current.lastEventId ?? 'the live edge'}</code>
          </p>
        </div>
        <div className="status-group row">
          <ConnectionBadge state={connectionState} error={error} />
        </div>
      </div>
      {gap.data && (
        <div className="alert alert-info">
          Some older messages are no longer kept by the server: the room restarted or moved on.
        </div>
      )}
      <div className="messages" ref={list} data-testid="messages">
        {messages.length === 0 && (
          <div className="empty">
            No messages yet. Open this room in another tab, post from there, then reload this one.
          </div>
        )}
        {messages.map((message) => (
          <Fragment key={message.id}>
            {message.id === firstMissed && (
              <div className="divider" data-testid="missed-divider">
                {missed.length} message{missed.length === 1 ? '' : 's'} you missed while away
              </div>
            )}
            <ChatMessage message={message} mine={message.user === name} missed={missed.includes(message.id)} />
          </Fragment>
        ))}
      </div>
      <Composer roomId={roomId} name={name} setName={setName} />
    </section>
  )
}

function Composer({ roomId, name, setName }: { roomId: string; name: string; setName: (name: string) => void }) {
  const [text, setText] = useState('')
  const [sending, setSending] = useState(false)
  const [failure, setFailure] = useState<string | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!text.trim() || !name.trim()) return
    setSending(true)
    setFailure(null)
    try {
      localStorage.setItem('chat-name', name)
      const response = await fetch(`/api/chat/${roomId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: name, text }),
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      setText('')
    } catch (error) {
      setFailure(`Not sent: ${(error as Error).message}`)
    } finally {
      setSending(false)
    }
  }

  return (
    <form className="composer" onSubmit={submit}>
      <input
        className="name"
        type="text"
        name="user"
        aria-label="Your name"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <input
        className="text"
        type="text"
        name="text"
        aria-label="Message"
        placeholder="Say something…"
        autoComplete="off"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" disabled={sending || !text.trim()}>
        Send
      </button>
      {failure && (
        <span className="small" style={{ color: 'var(--danger)' }}>
          {failure}
        </span>
      )}
    </form>
  )
}
