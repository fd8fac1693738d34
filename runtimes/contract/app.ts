/**
 * The contract app: one SSE route per scenario, plus the endpoints through which a test watches the
 * server side. Every runtime bundles this same module; it imports the BUILT package, as a user would.
 *
 * Routes are picked by the last path segment (`/…/incremental?id=…`), so the app works under any
 * prefix (`/api/contract/node/[route]` in Next, `/` in a Worker). Each test uses its own `id`, and
 * everything the server saw is kept per id: tests never interfere, even when they share a server.
 *
 * Handlers are created per request here only because `onError` and the `onClose` option take no
 * argument saying which connection they belong to; the shared keep-alive timer is keyed by interval,
 * not by handler, so this changes nothing about timers.
 */
import { createSSEHandler, type SSECallback, type SSEHandlerOptions } from 'use-next-sse/server'

/** What the server side of one connection did; read through the `log` route. */
export interface ConnectionLog {
  /** Names of the cleanups that ran, in order. Exactly one entry is the contract. */
  cleanups: string[]
  /** What `onError` received. */
  errors: { name: string; message: string; code?: string; cause?: string }[]
  /** Results of labelled `send` calls: `true`/`false`, or `'threw'` if `send` threw (it must not). */
  sends: Record<string, boolean | 'threw'>
  lastEventId?: string | null
  args?: ArgSummary[]
  /** Set when the callback saw `context.signal` abort. */
  aborted?: boolean
  /** Set when an async cleanup got past its `await`s. */
  finished?: boolean
  /** How many times the SSE callback ran for this id: HEAD, OPTIONS and refused origins must leave it unset. */
  callbacks?: number
}

/** A JSON-safe picture of one extra handler argument (Workers `env`/`ctx`, Next's `{ params }`). */
export interface ArgSummary {
  type: string
  value?: string | number | boolean | null
  keys?: string[]
  waitUntil?: string
  params?: unknown
}

const logs = new Map<string, ConnectionLog>()
const acks = new Map<string, number>()
type Group = Map<string, { send: (data: unknown) => boolean; close: () => void }>
const groups = new Map<string, Group>()

function logOf(id: string): ConnectionLog {
  let log = logs.get(id)
  if (log === undefined) {
    log = { cleanups: [], errors: [], sends: {} }
    logs.set(id, log)
  }
  return log
}

function record(error: unknown): ConnectionLog['errors'][number] {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: { message?: unknown } }
  return {
    name: String(e?.name),
    message: String(e?.message),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(e?.cause !== undefined ? { cause: String(e.cause?.message ?? e.cause) } : {}),
  }
}

/** Calls `send` and records what it returned, or that it threw (which the contract forbids). */
function trySend(log: ConnectionLog, label: string, send: () => boolean): boolean {
  try {
    log.sends[label] = send()
  } catch {
    log.sends[label] = 'threw'
  }
  return log.sends[label] === true
}

/*
 * Waiting is done by polling with a timer in the stream's own request: workerd forbids resolving a
 * promise created in another request's context, and a stream with nothing pending in its own request
 * is cancelled there as hung. Unlike the test side's `until`, it never rejects: the route decides.
 */
/** Resolves true as soon as `done()` holds, or false once `limit` ms passed without it. */
function holdsWithin(done: () => boolean, limit = 20_000): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now()
    const timer = setInterval(() => {
      const ok = done()
      if (ok || Date.now() - started > limit) {
        clearInterval(timer)
        resolve(ok)
      }
    }, 5)
  })
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/** Records that `context.signal`, the connection's lifetime, ended. */
function watchSignal(signal: AbortSignal, log: ConnectionLog): void {
  signal.addEventListener('abort', () => {
    log.aborted = true
  })
}

async function summarise(arg: unknown): Promise<ArgSummary> {
  if (arg === null || (typeof arg !== 'object' && typeof arg !== 'function')) {
    return { type: typeof arg, value: arg as ArgSummary['value'] }
  }
  const summary: ArgSummary = { type: typeof arg, keys: Object.keys(arg).sort() }
  const { waitUntil, params } = arg as { waitUntil?: unknown; params?: unknown }
  if (waitUntil !== undefined) summary.waitUntil = typeof waitUntil
  // Next 15+ hands `params` over as a promise.
  if (params !== undefined) summary.params = await params
  return summary
}

type Route = (id: string, log: ConnectionLog, query: URLSearchParams) => [SSECallback, SSEHandlerOptions?]

/** The origin the `cors` route allows; any other is refused. */
export const ALLOWED_ORIGIN = 'https://app.contract.test'

const routes: Record<string, Route> = {
  /** Cross-origin: one event, then the end, for {@link ALLOWED_ORIGIN} only, with credentials. */
  cors: (_id, log) => [
    (send, close) => {
      send('hello')
      close()
      return () => log.cleanups.push('returned')
    },
    { cors: { origin: [ALLOWED_ORIGIN], credentials: true } },
  ],

  /** Sends nothing; the returned destructor is the cleanup. */
  idle: (_id, log) => [
    (_send, _close, context) => {
      watchSignal(context.signal, log)
      return () => log.cleanups.push('returned')
    },
  ],

  custom: (_id, log) => [
    (send, close) => {
      send('hello')
      close()
      return () => log.cleanups.push('returned')
    },
    { status: 203, headers: { 'X-Contract': 'custom', 'Cache-Control': 'no-store' } },
  ],

  retry: (_id, log) => [() => () => log.cleanups.push('returned'), { retry: 2500 }],

  /** Event n+1 is sent only after the client acknowledged event n through another request. */
  incremental: (id, log) => [
    (send, close) => {
      let stop = false
      void (async () => {
        for (let n = 1; n <= 3 && !stop; n++) {
          if (!trySend(log, `event ${n}`, () => send({ n }, 'step'))) return
          if (n < 3 && !(await holdsWithin(() => stop || (acks.get(id) ?? 0) >= n))) return
        }
        close()
      })()
      return () => {
        stop = true
        log.cleanups.push('returned')
      }
    },
  ],

  /** A synchronous burst (coalesced into one chunk), then more over several macrotasks, then close. */
  order: (_id, log) => [
    (send, close) => {
      for (let n = 1; n <= 100; n++) send({ n }, { event: 'seq', id: String(n) })
      void (async () => {
        for (let n = 101; n <= 200; n++) {
          if (n % 10 === 0) await tick()
          send({ n }, { event: 'seq', id: String(n) })
        }
        close()
      })()
      return () => log.cleanups.push('returned')
    },
  ],

  /** Every field the encoder writes, then close(): the test compares exact bytes. */
  wire: (_id, log) => [
    (send, close, { sendEvent }) => {
      send({ a: 1 })
      send('named', 'greeting')
      send([1, 2], { event: 'full', id: '7', retry: 3000 })
      sendEvent({ data: 'l1\nl2\r\nl3\rl4' })
      sendEvent({ comment: 'note' })
      send(undefined)
      send('ünïcødé ✓')
      close()
      trySend(log, 'after close', () => send('late'))
      trySend(log, 'sendEvent after close', () => sendEvent({ data: 'late' }))
      return () => log.cleanups.push('returned')
    },
  ],

  /** close() after a macrotask still delivers what was sent before it in the same turn. */
  'close-late': (_id, log) => [
    (send, close) => {
      send(1)
      setTimeout(() => {
        send(2)
        send(3)
        close()
        trySend(log, 'after close', () => send(4))
      }, 0)
      return () => log.cleanups.push('returned')
    },
  ],

  /** Sends every 10 ms, so a disconnect meets writes in flight. */
  ticking: (_id, log) => [
    (send) => {
      let n = 0
      const timer = setInterval(() => send({ n: n++ }), 10)
      return () => {
        clearInterval(timer)
        log.cleanups.push('returned')
        trySend(log, 'in cleanup', () => send('late'))
      }
    },
  ],

  precedence: (_id, log, query) => {
    const order = precedence[query.get('case') ?? '']
    if (order === undefined) throw new TypeError(`unknown precedence case ${query.get('case')}`)
    return order.route((name) => () => {
      log.cleanups.push(name)
    })
  },

  /**
   * An async callback that returns its destructor only after the client left. The short keep-alive
   * lets workerd notice the disconnect (it does so only when a write fails).
   */
  'late-destructor': (_id, log) => [
    async (send, _close, context) => {
      await holdsWithin(() => context.signal.aborted)
      trySend(log, 'after disconnect', () => send('late'))
      return () => log.cleanups.push('late')
    },
    { keepAlive: 100 },
  ],

  /** A cleanup that awaits (as unsubscribing from a broker does) before it is done. */
  'async-cleanup': (_id, log) => [
    () => async () => {
      log.cleanups.push('async')
      await tick()
      await new Promise((resolve) => setTimeout(resolve, 20))
      log.finished = true
    },
    { keepAlive: 100 },
  ],

  'last-event-id': (_id, log) => [
    (send, close, context) => {
      log.lastEventId = context.lastEventId
      send({ lastEventId: context.lastEventId })
      close()
    },
  ],

  'bad-input': (_id, log) => [
    (send, close, { sendEvent }) => {
      const circular: { self?: unknown } = {}
      circular.self = circular
      trySend(log, 'event CR/LF', () => send('x', 'a\ndata: injected'))
      trySend(log, 'event CR', () => send('x', { event: 'a\rb' }))
      trySend(log, 'id LF', () => send('x', { id: '1\n2' }))
      trySend(log, 'id NUL', () => send('x', { id: 'a\0b' }))
      trySend(log, 'circular', () => send(circular))
      trySend(log, 'bigint', () => send({ big: 1n }))
      trySend(log, 'raw event CR/LF', () => sendEvent({ event: 'a\r\nb', data: 'x' }))
      trySend(log, 'ok', () => send('still usable'))
      close()
      return () => log.cleanups.push('returned')
    },
  ],

  'throw-sync': (_id, log) => [
    (send, _close, context) => {
      context.onClose(() => log.cleanups.push('onClose'))
      send('before')
      throw new Error('boom (sync)')
    },
  ],

  'throw-async': (_id, log) => [
    async (send, _close, context) => {
      context.onClose(() => log.cleanups.push('onClose'))
      send('before')
      await tick()
      throw new Error('boom (async)')
    },
  ],

  'keep-alive': (_id, log) => [
    (_send, _close, context) => {
      watchSignal(context.signal, log)
      return () => log.cleanups.push('returned')
    },
    { keepAlive: 100 },
  ],

  args: (_id, log) => [
    async (send, close, context) => {
      log.args = await Promise.all(context.args.map(summarise))
      send(log.args)
      close()
    },
  ],

  /** Joins a group that the `broadcast` route writes into from another request. */
  listen: (id, log, query) => [
    (send, close) => {
      const name = query.get('group') ?? ''
      const group: Group = groups.get(name) ?? new Map()
      groups.set(name, group)
      group.set(id, { send: (data) => send(data, 'broadcast'), close })
      return async () => {
        group.delete(id)
        log.cleanups.push('returned')
        // An async step, so that a cleanup started from another request must outlive its first await.
        await tick()
        log.finished = true
      }
    },
    // `quiet`: nothing is written unless a broadcast comes, not even keep-alives.
    query.has('quiet') ? { keepAlive: false } : {},
  ],
}

type Mark = (name: string) => () => void
// Closes after the late registrations of each case had their turn (they run within a tick or two).
const closeSoon = (close: () => void) => setTimeout(close, 20)

/**
 * The cleanup orders: which cleanup must win (the first registered), and the callback that registers
 * them in that order. `mark(name)` makes a cleanup that logs its name.
 */
const precedence: Record<string, { winner: string; route: (mark: Mark) => [SSECallback, SSEHandlerOptions?] }> = {
  'option, context, returned': {
    winner: 'option',
    route: (mark) => [
      (_s, close, context) => {
        context.onClose(mark('context'))
        closeSoon(close)
        return mark('returned')
      },
      { onClose: mark('option') },
    ],
  },
  'option, async returned': {
    winner: 'option',
    route: (mark) => [
      async (_s, close) => {
        await tick()
        closeSoon(close)
        return mark('async returned')
      },
      { onClose: mark('option') },
    ],
  },
  'context, returned': {
    winner: 'context',
    route: (mark) => [
      (_s, close, context) => {
        context.onClose(mark('context'))
        closeSoon(close)
        return mark('returned')
      },
    ],
  },
  'context twice': {
    winner: 'context 1',
    route: (mark) => [
      (_s, close, context) => {
        context.onClose(mark('context 1'))
        context.onClose(mark('context 2'))
        closeSoon(close)
      },
    ],
  },
  'returned, then context': {
    winner: 'returned',
    route: (mark) => [
      (_s, close, context) => {
        setTimeout(() => context.onClose(mark('context')), 0)
        closeSoon(close)
        return mark('returned')
      },
    ],
  },
  'context after await, async returned': {
    winner: 'context',
    route: (mark) => [
      async (_s, close, context) => {
        await tick()
        context.onClose(mark('context'))
        closeSoon(close)
        return mark('async returned')
      },
    ],
  },
  'async returned, then context': {
    winner: 'async returned',
    route: (mark) => [
      async (_s, close, context) => {
        await tick()
        // Runs after the returned promise settled, so after the destructor was adopted.
        setTimeout(() => context.onClose(mark('context')), 0)
        closeSoon(close)
        return mark('async returned')
      },
    ],
  },
  'returned only': {
    winner: 'returned',
    route: (mark) => [
      (_s, close) => {
        closeSoon(close)
        return mark('returned')
      },
    ],
  },
  'async returned only': {
    winner: 'async returned',
    route: (mark) => [
      async (_s, close) => {
        await tick()
        closeSoon(close)
        return mark('async returned')
      },
    ],
  },
  'option only': {
    winner: 'option',
    route: (mark) => [(_s, close) => void closeSoon(close), { onClose: mark('option') }],
  },
  'context after close': {
    // Registered once the connection is over, it runs at once.
    winner: 'context',
    route: (mark) => [
      (_s, close, context) => {
        close()
        // Not from a timer: workerd drops a request's timers once its response has ended.
        context.onClose(mark('context'))
      },
    ],
  },
}

/** The precedence cases and the cleanup that must win each. */
export const PRECEDENCE: Record<string, string> = Object.fromEntries(
  Object.entries(precedence).map(([order, { winner }]) => [order, winner]),
)

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } })
}

/**
 * The app's single entry: `(request, ...runtimeArgs)`, usable as a Worker's `fetch`, a Next route
 * handler, or behind `toNodeHandler`. The extra arguments reach the SSE callback's `context.args`.
 */
export function handle(request: Request, ...args: unknown[]): Response | Promise<Response> {
  // The base only serves Node's `req`, whose `url` is a path (handlers accept `(req, res)` too).
  const url = new URL(request.url, 'http://localhost')
  const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1)
  const id = url.searchParams.get('id') ?? ''
  switch (name) {
    case 'log':
      return json(logs.get(id) ?? null)
    case 'ack':
      acks.set(id, Number(url.searchParams.get('n')))
      return json({ ok: true })
    case 'broadcast': {
      // Writes into connections that belong to other requests, from this request's context.
      const group: Group = groups.get(url.searchParams.get('group') ?? '') ?? new Map()
      const closing = url.searchParams.has('close')
      const results: Record<string, boolean | 'threw'> = {}
      for (const [member, { send, close }] of group) {
        try {
          results[member] = send({ to: member })
          if (closing) close()
        } catch {
          results[member] = 'threw'
        }
      }
      return json(results)
    }
  }
  const route = routes[name]
  if (route === undefined) return json({ error: `no route ${name}` }, 404)
  const log = logOf(id)
  const [callback, options] = route(id, log, url.searchParams)
  const counted: SSECallback = (send, close, context) => {
    log.callbacks = (log.callbacks ?? 0) + 1
    return callback(send, close, context)
  }
  const handler = createSSEHandler(counted, {
    ...options,
    onError: (error) => {
      log.errors.push(record(error))
    },
  })
  return handler(request, ...args)
}
