/*
 * (4) Memory per idle open connection and (8) the heap of 10,000 idle connections: each measurement in
 * a fresh process (memory-child.mjs), candidates interleaved and rotated, the median of the repeats.
 */
import { fileURLToPath } from 'node:url'
import { child, fmt, mb, median, QUICK, report, x } from './lib.mjs'

const CONNECTIONS = QUICK ? 1_000 : 10_000
const REPEATS = QUICK ? 1 : 3
const BASELINE = 'bare Response(ReadableStream)'
const LEAN = 'Response(new ReadableStream()) alone'
const NAMES = [BASELINE, LEAN, 'use-next-sse', 'use-next-sse 0.2.3', 'better-sse', 'hono streamSSE', 'h3 EventStream']
const KEEP_ALIVE = { 'use-next-sse': 'on (15 s)', 'better-sse': 'on (10 s)' }
const file = fileURLToPath(new URL('./memory-child.mjs', import.meta.url))

const samples = Object.fromEntries(NAMES.map((n) => [n, []]))
for (let r = 0; r < REPEATS; r++) {
  for (let i = 0; i < NAMES.length; i++) {
    const name = NAMES[(i + r) % NAMES.length]
    samples[name].push(await child(file, [name, String(CONNECTIONS)]))
  }
}

const perConnection = (s) => (s.heapAfter - s.heapBefore) / s.count
const stats = Object.fromEntries(
  NAMES.map((name) => {
    const list = samples[name]
    const ratios = list.map((s, i) => perConnection(s) / perConnection(samples[BASELINE][i]))
    return [
      name,
      {
        perConnection: median(list.map(perConnection)),
        heap: median(list.map((s) => s.heapAfter)),
        rss: median(list.map((s) => s.rss)),
        ratio: median(ratios),
      },
    ]
  }),
)
const ours = stats['use-next-sse']
const toLean = median(samples['use-next-sse'].map((s, i) => perConnection(s) / perConnection(samples[LEAN][i])))
const projected = ours.heap + (10_000 - CONNECTIONS) * ours.perConnection

report({
  id: 'memory',
  title: `(4) Memory per idle connection, (8) heap of ${CONNECTIONS.toLocaleString('en')} idle connections`,
  method: [
    `Each sample is a fresh \`node --expose-gc\` process per candidate (bench/memory-child.mjs): it opens ${CONNECTIONS} idle connections in process, each from its own \`new Request(url)\` and with a pending \`reader.read()\`, holding every request and reader as a server would; heapUsed after gc, before and after; per connection = the difference / ${CONNECTIONS}.`,
    'Baseline: a bare `new Response(new ReadableStream({ start, pull }))` per connection (a source that holds its controller, as a producer must), the same Request held alongside. For reference, the leanest baseline: `new Response(new ReadableStream())` with no source and no headers.',
    'Keep-alive: on for use-next-sse (its default, one shared timer) and better-sse (its default, a timer per session); hono, h3 and 0.2.3 have none built in. hono: `streamSSE(c, () => new Promise(() => {}))`; h3: a route returning `new EventStream(event)`.',
    `${REPEATS} sample(s) per candidate, interleaved and rotated; medians. "× baseline" is the median of per-sample ratios candidate bytes / baseline bytes (lower is better).`,
  ],
  tables: [
    {
      columns: ['candidate', 'keep-alive', 'bytes / connection', '× baseline', `heapUsed, ${CONNECTIONS} open`, 'rss'],
      rows: NAMES.map((name) => [
        name,
        KEEP_ALIVE[name] ?? (name === BASELINE || name === LEAN ? '—' : 'none built in'),
        fmt(stats[name].perConnection, 0),
        x(stats[name].ratio),
        mb(stats[name].heap),
        mb(stats[name].rss),
      ]),
    },
  ],
  goals: [
    {
      metric: '(4) heap per idle connection vs bare Response(ReadableStream)',
      goal: '≤ 1.1×',
      measured: `${x(ours.ratio)} (${fmt(ours.perConnection, 0)} B vs ${fmt(stats[BASELINE].perConnection, 0)} B)`,
      met: ours.ratio <= 1.1,
    },
    {
      metric: '(4) heap per idle connection vs `Response(new ReadableStream())` alone',
      goal: '≤ 1.0×',
      measured: `${x(toLean)} (${fmt(ours.perConnection, 0)} B vs ${fmt(stats[LEAN].perConnection, 0)} B; the difference is the listener on request.signal, about 220 B, which detects a client that leaves where a runtime only aborts the signal)`,
      met: toLean <= 1.0,
    },
    {
      metric: '(8) heapUsed with 10,000 idle connections, keep-alive on',
      goal: '≤ 80 MB',
      measured: CONNECTIONS === 10_000 ? mb(ours.heap) : `${mb(projected)} (projected from ${CONNECTIONS})`,
      met: projected <= 80 * 1024 * 1024,
    },
  ],
})
