/*
 * (1) One connection, 200k `send({ count: i }, 'counter')`, body fully read, in process.
 * Every candidate produces the events in batches (`batch` sends per synchronous turn, then setImmediate)
 * while the body is read; the time is from the handler call to the body's end.
 */
import { drain, QUICK, range, report, rounds, text, x } from './lib.mjs'
import { produce, producers } from './producers.mjs'

const N = QUICK ? 20_000 : 200_000
const BATCHES = [100, 1000]
const ROUNDS = QUICK ? 2 : 7
const BASELINE = 'per-event enqueue'
const FLOOR = 'harness floor (no events)'

/** The same turns and reads with nothing sent: what every candidate pays for the harness itself. */
function floor(n, batch) {
  let controller
  const body = new ReadableStream({
    start(c) {
      controller = c
    },
  })
  produce(() => {}, n, batch).then(() => controller.close())
  return body
}

// Correctness first: every candidate delivers N events, in order, with the right data.
const bytes = {}
for (const [name, respond] of Object.entries(producers)) {
  const body = await text((await respond(N, 1000)).body)
  const data = body.match(/^data: ?.*$/gm) ?? []
  if (data.length !== N || !data.at(-1).endsWith(`{"count":${N - 1}}`)) {
    throw new Error(`${name} delivered ${data.length} events, expected ${N}`)
  }
  bytes[name] = Buffer.byteLength(body)
}

const rows = []
const goals = []
for (const batch of BATCHES) {
  const candidates = Object.entries(producers).map(([name, respond]) => ({
    name,
    run: async () => {
      const start = performance.now()
      await drain((await respond(N, batch)).body)
      return performance.now() - start
    },
  }))
  candidates.push({
    name: FLOOR,
    run: async () => {
      const start = performance.now()
      await drain(floor(N, batch))
      return performance.now() - start
    },
  })
  const result = await rounds(candidates, { rounds: ROUNDS, baseline: BASELINE })
  for (const [name, r] of Object.entries(result)) {
    rows.push([
      String(batch),
      name,
      r.median.toFixed(1),
      range(r),
      ((r.median * 1000) / N).toFixed(3),
      name === FLOOR ? '—' : x(r.ratio),
      String(bytes[name] ?? 0),
    ])
  }
  const ours = result['use-next-sse']
  goals.push({
    metric: `(1) ${N / 1000}k sends, ${batch} per turn, vs per-event enqueue`,
    goal: '≥ 5×',
    measured: x(ours.ratio),
    met: ours.ratio >= 5,
  })
}

report({
  id: 'throughput',
  title: `(1) One connection, ${N / 1000}k \`send({ count: i }, 'counter')\`, body fully read`,
  method: [
    `In process, Request -> Response; each candidate produces ${N} events in batches of \`batch\` sends per synchronous turn, with a setImmediate between batches, while the body is read to its end (time from the handler call to the body's end).`,
    'Baseline: a hand-written ReadableStream that encodes each event with TextEncoder and enqueues it (one chunk per event). Reference: "coalesced by hand", a hand-written stream that concatenates the events of one turn and encodes and enqueues them once from a microtask, the least work any library can do for this producer.',
    'Peers: better-sse `createResponse(request, session => session.push(data, "counter"))` (ended by aborting the request signal; it adds a random UUID `id:` per event, hence more bytes); hono `streamSSE` in an `app.get` route via `app.fetch`; h3 2 `new EventStream(event)` + `push()` in an `H3` route via `app.fetch`; the original use-next-sse 0.2.3 (CJS build) `createSSEHandler`. For hono and h3, whose writes return promises, the last promise of each batch is awaited.',
    `"${FLOOR}": the same batches, turns and reads with nothing sent, the part of every time that is the harness.`,
    `Interleaved, rotated order, ${ROUNDS} rounds after 1 warm-up round, gc before every run. "× baseline" is the median of the per-round ratios baseline time / candidate time (higher is faster).`,
  ],
  tables: [
    {
      columns: ['batch', 'candidate', 'median ms', 'min–max ms', 'µs/event', '× baseline', 'body bytes'],
      rows,
    },
  ],
  goals,
})
