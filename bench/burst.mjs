/*
 * (2) N sends in one synchronous burst, body fully read: µs per event at 5k, 20k and 100k. Linear
 * means the µs per event do not grow with N. On Node 20 a ReadableStream's queue dequeues with
 * Array#shift, so the per-event-enqueue baseline (N queued chunks) goes quadratic.
 */
import { drain, fmt, QUICK, report, rounds, tick } from './lib.mjs'
import { producers } from './producers.mjs'

const SIZES = QUICK ? [5_000, 20_000] : [5_000, 20_000, 100_000]
const ROUNDS = QUICK ? 2 : 7
// The baseline at 100k takes seconds per run (quadratic): fewer rounds there.
const roundsFor = (n) => (n >= 100_000 ? 3 : ROUNDS)
const GROWTH_LIMIT = 1.25

/** Small sizes are repeated within one sample, so every sample covers about as many events. */
const repsFor = (n) => Math.max(1, Math.round(100_000 / n))

/** `batch === n`: the whole burst in one synchronous turn (after the reader is waiting). µs per event. */
const candidates = (n) =>
  ['use-next-sse', 'per-event enqueue'].map((name) => ({
    name,
    run: async () => {
      const reps = repsFor(n)
      const start = performance.now()
      for (let i = 0; i < reps; i++) await drain((await producers[name](n, n)).body)
      return ((performance.now() - start) * 1000) / (n * reps)
    },
  }))

// Warm both code paths at the smallest size, so the first size measured is not the JIT's.
for (const c of candidates(SIZES[0])) await c.run()
await tick()

const perEvent = {}
for (const n of SIZES) {
  const result = await rounds(candidates(n), { rounds: roundsFor(n), warmup: n >= 100_000 ? 0 : 1 })
  for (const [name, r] of Object.entries(result)) {
    perEvent[name] ??= {}
    perEvent[name][n] = r
  }
}

const first = SIZES[0]
const last = SIZES.at(-1)
const rows = Object.entries(perEvent).map(([name, bySize]) => [
  name,
  ...SIZES.map((n) => `${fmt(bySize[n].median, 3)} (${fmt(bySize[n].min, 3)}–${fmt(bySize[n].max, 3)})`),
  `${fmt(bySize[last].median / bySize[first].median, 2)}×`,
])
const growth = perEvent['use-next-sse'][last].median / perEvent['use-next-sse'][first].median

report({
  id: 'burst',
  title: '(2) One synchronous burst of N sends: µs per event',
  method: [
    'In process. The callback waits one macrotask (so the reader is waiting), then calls `send({ count: i }, "counter")` N times in one synchronous turn and closes; the body is read to its end. Time from the handler call to the end of the body, divided by N. One sample repeats the burst 100k/N times (20 bursts at 5k, 5 at 20k), so every sample covers 100k events.',
    'Baseline: the same burst into a hand-written ReadableStream, one encode + enqueue per event.',
    `Interleaved, ${ROUNDS} rounds (3 at 100k, where the baseline takes seconds per run), gc before every run. Growth = µs/event at ${last / 1000}k ÷ µs/event at ${first / 1000}k; the goal allows ${GROWTH_LIMIT}× for cache and GC effects.`,
  ],
  tables: [
    {
      columns: ['candidate', ...SIZES.map((n) => `µs/event at ${n / 1000}k (min–max)`), 'growth'],
      rows,
    },
  ],
  goals: [
    {
      metric: `(2) one burst: µs/event growth ${first / 1000}k → ${last / 1000}k`,
      goal: `linear (growth ≤ ${GROWTH_LIMIT}×)`,
      measured: `${fmt(growth, 2)}×`,
      met: growth <= GROWTH_LIMIT,
    },
  ],
})
