/*
 * (3) One event to 10,000 connections through a channel, every body being read. Measured: from the
 * publish until every connection's reader has the event (the setup of the connections is not timed).
 */
import { createChannel as createBetterChannel, createResponse } from 'better-sse'
import { createChannel, createSSEHandler } from 'use-next-sse/server'
import { fmt, QUICK, range, report, rounds, tick, x } from './lib.mjs'

const CONNECTIONS = QUICK ? 1_000 : 10_000
const EVENTS_PER_RUN = QUICK ? 5 : 10
const ROUNDS = QUICK ? 2 : 7
const BASELINE = 'enqueue by hand'
const encoder = new TextEncoder()

/**
 * Reads `body` forever; the first chunk of each round that is more than a keep-alive comment
 * (`:\n\n`, 3 bytes) counts the connection as delivered for `target.round`.
 */
function listen(body, target) {
  const reader = body.getReader()
  let round = -1
  const onRead = ({ done, value }) => {
    if (done) return
    if (value.byteLength > 3 && round !== target.round) {
      round = target.round
      if (++target.count === target.expected) target.resolve()
    }
    reader.read().then(onRead)
  }
  reader.read().then(onRead)
}

/** Builds `CONNECTIONS` readers for `respond(i)` and returns `broadcast(i)`'s timed runner. */
async function setup(respond, broadcast) {
  const target = { round: 0, count: 0, expected: CONNECTIONS, resolve: () => {} }
  for (let i = 0; i < CONNECTIONS; i++) listen((await respond(i)).body, target)
  // Let every connection start (better-sse connects on setImmediate) and deliver its first bytes.
  for (let i = 0; i < 5; i++) await tick()
  let seq = 0
  return async () => {
    const start = performance.now()
    for (let e = 0; e < EVENTS_PER_RUN; e++) {
      const delivered = new Promise((resolve) => {
        target.resolve = resolve
      })
      target.round++
      target.count = 0
      broadcast(seq++)
      await delivered
    }
    return (performance.now() - start) / EVENTS_PER_RUN
  }
}

const request = () => new Request('http://localhost/events')

const candidates = [
  {
    name: BASELINE,
    setup: () => {
      const controllers = []
      // Each connection holds its Request, as a server's does (and as the other candidates do).
      const requests = []
      return setup(
        () => {
          requests.push(request())
          return new Response(
            new ReadableStream({
              start(controller) {
                controllers.push(controller)
              },
            }),
          )
        },
        (i) => {
          const bytes = encoder.encode(`id: ${i}\nevent: counter\ndata: {"count":${i}}\n\n`)
          for (const controller of controllers) controller.enqueue(bytes)
        },
      )
    },
  },
  {
    name: 'use-next-sse',
    setup: () => {
      const channel = createChannel({ name: 'bench' })
      const handler = createSSEHandler((_send, _close, context) => {
        channel.attach(context)
      })
      return setup(
        () => handler(request()),
        (i) => channel.publish({ count: i }, { event: 'counter' }),
      )
    },
  },
  {
    name: 'better-sse',
    setup: () => {
      const channel = createBetterChannel()
      return setup(
        () => createResponse(request(), (session) => channel.register(session)),
        (i) => channel.broadcast({ count: i }, 'counter', { eventId: String(i) }),
      )
    },
  },
]

const runs = []
for (const c of candidates) runs.push({ name: c.name, run: await c.setup() })
const result = await rounds(runs, { rounds: ROUNDS, baseline: BASELINE, ratio: 'candidate/baseline' })
const ours = result['use-next-sse']

report({
  id: 'broadcast',
  title: `(3) One event to ${CONNECTIONS.toLocaleString('en')} connections through a channel`,
  method: [
    `${CONNECTIONS} connections per candidate, all open at once, each body read by a reader loop. Timed: from the publish until every reader has received the event; ${EVENTS_PER_RUN} events one after the other per run, ms per event reported.`,
    'use-next-sse: `createChannel()` (default memory backplane, history on) and `channel.attach(context)` inside a `createSSEHandler` callback (keep-alive on); `channel.publish({ count: i }, { event: "counter" })`.',
    `Baseline: ${CONNECTIONS} plain \`new Response(new ReadableStream(...))\` bodies with pending reads, each connection holding its \`Request\` as the others do; the event, encoded once, enqueued by hand into every controller.`,
    'better-sse: `createResponse(request, session => channel.register(session))`, then `channel.broadcast(data, "counter", { eventId })` (it serialises and encodes per session).',
    `Interleaved, rotated, ${ROUNDS} rounds after 1 warm-up round, gc before every run. "× baseline" is the median of per-round ratios candidate time / baseline time (lower is better; goal ≤ 1.1).`,
  ],
  tables: [
    {
      columns: ['candidate', 'median ms / broadcast', 'min–max ms', 'µs / connection', '× baseline time'],
      rows: Object.entries(result).map(([name, r]) => [
        name,
        fmt(r.median, 2),
        range(r, 2),
        fmt((r.median * 1000) / CONNECTIONS, 3),
        x(r.ratio),
      ]),
    },
  ],
  goals: [
    {
      metric: `(3) broadcast to ${CONNECTIONS / 1000}k connections, time vs enqueue by hand`,
      goal: '≤ 1.1×',
      measured: x(ours.ratio),
      met: ours.ratio <= 1.1,
    },
  ],
})
process.exit(0)
