/*
 * (6) End to end over loopback: node:http in a child process (loopback-server.mjs), one connection at a
 * time, N events sent as fast as a producer that yields to I/O can (100 or 1000 per turn), read with fetch.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { drain, fmt, QUICK, range, report, rounds, text, x } from './lib.mjs'

const N = QUICK ? 10_000 : 100_000
const BATCHES = [100, 1000]
const ROUNDS = QUICK ? 2 : 9
const BASELINE = 'res.write per event'
const NAMES = [BASELINE, 'coalesced by hand', 'use-next-sse', 'better-sse']

const server = spawn(
  process.execPath,
  ['--expose-gc', fileURLToPath(new URL('./loopback-server.mjs', import.meta.url))],
  { stdio: ['ignore', 'pipe', 'inherit'] },
)
const { port } = JSON.parse(
  await createInterface({ input: server.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((r) => r.value),
)
const url = (name, batch) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}?n=${N}&batch=${batch}`

try {
  // Every candidate delivers N events, the last one intact.
  const bytes = {}
  for (const name of NAMES) {
    const body = await text((await fetch(url(name, 100))).body)
    const data = body.match(/^data: ?.*$/gm) ?? []
    if (data.length !== N || !data.at(-1).endsWith(`{"count":${N - 1}}`)) {
      throw new Error(`${name} delivered ${data.length} events over HTTP, expected ${N}`)
    }
    bytes[name] = Buffer.byteLength(body)
  }

  const rows = []
  const goals = []
  for (const batch of BATCHES) {
    const candidates = NAMES.map((name) => ({
      name,
      run: async () => {
        await (await fetch(`http://127.0.0.1:${port}/gc`)).arrayBuffer()
        const start = performance.now()
        await drain((await fetch(url(name, batch))).body)
        return performance.now() - start
      },
    }))
    const result = await rounds(candidates, { rounds: ROUNDS, baseline: BASELINE })
    for (const [name, r] of Object.entries(result)) {
      rows.push([
        String(batch),
        name,
        fmt(r.median, 1),
        range(r),
        fmt(N / (r.median / 1000), 0),
        x(r.ratio),
        String(bytes[name]),
      ])
    }
    const ours = result['use-next-sse']
    goals.push({
      metric: `(6) loopback via toNodeHandler, ${N / 1000}k events, ${batch} per turn, vs res.write per event`,
      goal: '≥ 5×',
      measured: x(ours.ratio),
      met: ours.ratio >= 5,
    })
  }

  report({
    id: 'loopback',
    title: `(6) End to end over loopback: node:http, one connection, ${N / 1000}k events, read with fetch`,
    method: [
      `Server in a child process (bench/loopback-server.mjs), client (Node's fetch) in the benchmark process, 127.0.0.1. The server produces ${N} events \`{ count: i }\` named \`counter\`, \`batch\` per synchronous turn with a setImmediate between turns (a producer that yields to I/O), then ends the response; time from \`fetch()\` to the end of the body.`,
      'use-next-sse: `createServer(toNodeHandler(createSSEHandler(...)))` from `use-next-sse/node` and `/server`.',
      'Baseline: a node:http handler doing `res.write(text)` per event (node:http encodes). Reference: "coalesced by hand", the events of one turn concatenated and written with one `res.write` from a microtask, the least work any library can do for this producer. better-sse: `createSession(req, res)` and `session.push(data, "counter")` (it also writes a random UUID `id:` per event).',
      `Interleaved, rotated, ${ROUNDS} rounds after 1 warm-up round, gc in both processes before every run. "× baseline" is the median of per-round ratios baseline time / candidate time.`,
    ],
    tables: [
      {
        columns: ['batch', 'candidate', 'median ms', 'min–max ms', 'events/s', '× baseline', 'body bytes'],
        rows,
      },
    ],
    goals,
  })
} finally {
  server.kill()
}
