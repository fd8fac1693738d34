/*
 * (9) Idle connections over real TCP through `toNodeHandler`: a `node:http` server in a child process
 * (tcp-idle-server.mjs), N sockets that each sent one GET and then only wait; the server's heapUsed (after
 * gc) and RSS before and after, per connection. Baseline: the same server answering with a raw
 * `res.writeHead` + `res.write(':\n\n')` and holding the response open, the least a Node SSE server can do.
 */
import { fork } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { fmt, median, QUICK, report, x } from './lib.mjs'

const N = QUICK ? 1_000 : 5_000
const REPEATS = QUICK ? 1 : 3
const BASELINE = 'raw node:http response'
const NAMES = [BASELINE, 'use-next-sse (toNodeHandler)']
const server = fileURLToPath(new URL('./tcp-idle-server.mjs', import.meta.url))

async function sample(name) {
  const child = fork(server, [name === BASELINE ? 'raw' : 'ours'], { execArgv: ['--expose-gc'], stdio: 'inherit' })
  const next = () => new Promise((resolve) => child.once('message', resolve))
  const { port } = await next()
  const measure = () => {
    child.send('measure')
    return next()
  }
  const sockets = []
  const open = () =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n'),
      )
      socket.once('data', () => resolve(socket))
      socket.on('error', reject)
      sockets.push(socket)
    })
  // A few first, so lazily compiled code and first-use allocations are in the "before".
  for (let i = 0; i < 20; i++) await open()
  const before = await measure()
  for (let i = 0; i < N; i += 100) await Promise.all(Array.from({ length: Math.min(100, N - i) }, open))
  await new Promise((resolve) => setTimeout(resolve, 300))
  const after = await measure()
  for (const socket of sockets) socket.destroy()
  child.kill()
  return { heap: (after.heap - before.heap) / N, rss: (after.rss - before.rss) / N }
}

const samples = Object.fromEntries(NAMES.map((n) => [n, []]))
for (let r = 0; r < REPEATS; r++) {
  for (let i = 0; i < NAMES.length; i++) {
    const name = NAMES[(i + r) % NAMES.length]
    samples[name].push(await sample(name))
  }
}
const stat = (name, key) => median(samples[name].map((s) => s[key]))
const ratio = (key) => median(samples[NAMES[1]].map((s, i) => s[key] / samples[BASELINE][i][key]))
const kib = (bytes) => `${fmt(bytes / 1024, 2)} KiB`

report({
  id: 'tcp-idle',
  title: `(9) ${N.toLocaleString('en')} idle connections over real TCP through toNodeHandler`,
  method: [
    `A \`node:http\` server in a child process (bench/tcp-idle-server.mjs); ${N} sockets each send one GET and then only wait. The server's heapUsed after gc and its RSS, before and after; per connection = the difference / ${N}.`,
    'use-next-sse: `toNodeHandler(createSSEHandler(() => {}))` (keep-alive on). Baseline: `res.writeHead(200, headers)`, `res.write(":\\n\\n")`, the response held open.',
    `${REPEATS} sample(s) per candidate, each in a fresh process, interleaved; medians.`,
  ],
  tables: [
    {
      columns: ['candidate', 'heap / connection', 'RSS / connection'],
      rows: NAMES.map((name) => [name, kib(stat(name, 'heap')), kib(stat(name, 'rss'))]),
    },
  ],
  goals: [
    {
      metric: '(9) heap per idle TCP connection through toNodeHandler vs a raw node:http response',
      goal: '≤ 1.5×',
      measured: `${x(ratio('heap'))} (${kib(stat(NAMES[1], 'heap'))} vs ${kib(stat(BASELINE, 'heap'))})`,
      met: ratio('heap') <= 1.5,
    },
    {
      metric: '(9) RSS per idle TCP connection through toNodeHandler vs a raw node:http response',
      goal: '≤ 1.5×',
      measured: `${x(ratio('rss'))} (${kib(stat(NAMES[1], 'rss'))} vs ${kib(stat(BASELINE, 'rss'))})`,
      met: ratio('rss') <= 1.5,
    },
  ],
})
process.exit(0)
