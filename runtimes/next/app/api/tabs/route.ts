// The cross-tab page's stream: one ticker shared by every connection, and the server's own count of its
// open connections (with the tab that opened each, from the `x-tab` header the page's `headers`
// function sends: that function runs in the tab that connects, the leader).
import { createSSEHandler } from 'use-next-sse'

export const dynamic = 'force-dynamic'

/** The server's open connections, each named by the tab that opened it. */
export interface Connections {
  open: number
  tabs: string[]
}

/**
 * A tick of the shared clock: its number, the server's time, and the connections then (a tab that joins
 * the shared connection mid-stream gets live events only, so it learns the count from the next tick).
 */
export interface Tick {
  n: number
  at: number
  connections: Connections
}

type Events = { tick: Tick; connections: Connections }

/** An event as the route remembers it, to replay after a `Last-Event-ID`. */
type Sent = { [K in keyof Events]: { id: number; event: K; data: Events[K] } }[keyof Events]

type Send = (data: Sent['data'], options: { event: Sent['event']; id: string }) => boolean

/*
 * Every event, ticks and connection counts alike, gets the next id of one sequence and goes into the
 * history: a tab that takes over the connection resumes after the last id it saw, and the count it gets
 * then has an id of its own, so the other tabs (which drop an id they already had from the previous
 * leader) take it as the new event it is.
 */
const HISTORY = 200
const history: Sent[] = []
let nextId = 0
let ticks = 0
const connections = new Map<symbol, { tab: string; send: Send }>()
let timer: ReturnType<typeof setInterval> | undefined

/** What the server saw, for the e2e test: read with POST on this same route. */
const stats = { opened: 0, resumed: 0, closed: 0 }

function broadcast(sent: Omit<Sent, 'id'>): void {
  const event = { ...sent, id: ++nextId } as Sent
  history.push(event)
  if (history.length > HISTORY) history.shift()
  for (const { send } of connections.values()) send(event.data, { event: event.event, id: String(event.id) })
}

function count(): Connections {
  const tabs = [...connections.values()].map((connection) => connection.tab)
  return { open: tabs.length, tabs }
}

export const GET = createSSEHandler<Events>((typed, _close, { lastEventId, request }) => {
  const send = typed as Send
  const key = Symbol()
  stats.opened++
  const after = Number(lastEventId)
  if (lastEventId !== null && Number.isInteger(after)) {
    stats.resumed++
    for (const event of history) {
      if (event.id > after) send(event.data, { event: event.event, id: String(event.id) })
    }
  }
  connections.set(key, { tab: request.headers.get('x-tab') ?? 'unnamed', send })
  // One clock for every connection, running while anyone listens.
  timer ??= setInterval(
    () => broadcast({ event: 'tick', data: { n: ++ticks, at: Date.now(), connections: count() } }),
    1000,
  )
  broadcast({ event: 'connections', data: count() })
  return () => {
    connections.delete(key)
    stats.closed++
    if (!connections.size) {
      clearInterval(timer)
      timer = undefined
    }
    broadcast({ event: 'connections', data: count() })
  }
})

export function POST() {
  return Response.json({ ...stats, ...count() })
}
