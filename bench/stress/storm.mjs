/*
 * Disconnect storm: N sockets per way open an SSE stream over loopback, then all go at once, one way
 * per round. Every request whose callback ran must get exactly one cleanup.
 *
 *   --storm=N   sockets per way (quick 200, full 2000)
 */
import { fmt, get, openClients, rawClient, report, size, startServer, until } from './lib.mjs'

const N = size('storm', 200, 2000)
const SETTLE = 15_000

/**
 * The ways a client can go. `open` starts one client and resolves once it is where the cut happens;
 * `cut` ends it. `callbacks` is how many callbacks must have run: N, 0 (never a whole request), or
 * undefined (a race: any number, as long as each one is cleaned up).
 */
const WAYS = [
  {
    name: 'RST after the head',
    path: '/hold?tag=rst',
    callbacks: N,
    cut: (c) => c.socket.resetAndDestroy(),
  },
  {
    name: 'FIN (half-close) after the head',
    path: '/hold?tag=fin',
    callbacks: N,
    // Only our side is closed: the server may keep writing. The socket is destroyed at the end of the round.
    cut: (c) => c.socket.end(),
  },
  {
    name: 'close (FIN both ways) after the head',
    path: '/hold?tag=destroy',
    callbacks: N,
    cut: (c) => c.socket.destroy(),
  },
  {
    name: 'abort mid-headers',
    path: '/hold?tag=mid-headers',
    callbacks: 0,
    // The request line and half a header: node:http never has a whole request.
    request: 'GET /hold?tag=mid-headers HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/ev',
    cut: (c) => c.socket.resetAndDestroy(),
  },
  {
    name: 'abort mid-body (RST, 16 KiB of 1 MiB read)',
    path: `/stream?tag=mid-body&bytes=${1024 * 1024}`,
    callbacks: N,
    ready: (c) => c.bytes > 16 * 1024,
    cut: (c) => c.socket.resetAndDestroy(),
  },
  {
    name: 'request then close in the same turn',
    path: '/hold?tag=race',
    callbacks: undefined,
    immediate: true,
    cut: (c) => c.socket.destroy(),
  },
]

const server = await startServer({ keepAlive: 1000 })
const rows = []
const checks = []
try {
  for (const way of WAYS) {
    process.stderr.write(`  ${way.name} ... `)
    await server.call('reset')
    const clients = await openClients(
      N,
      () => {
        const c = rawClient(server.port, way.request ?? get(way.path))
        if (way.immediate) c.sent.then(() => way.cut(c))
        return c
      },
      { ready: way.request || way.immediate ? (c) => c.sent : undefined },
    )
    if (way.request) {
      // Mid-headers: every partial request reached the server, which had turns to parse it.
      await until(async () => (await server.stats()).sockets.open >= N, 10_000)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    if (way.ready) await until(() => clients.every((c) => c.closed || way.ready(c)), 30_000)
    const tag = way.path.match(/tag=([^&]+)/)[1]
    const before = (await server.stats()).tags[tag]?.callbacks ?? 0
    const start = performance.now()
    if (!way.immediate) for (const c of clients) way.cut(c)
    const settled = await until(async () => {
      const s = await server.stats()
      const t = s.tags[tag] ?? { callbacks: 0, cleanups: 0, doubles: 0 }
      return t.cleanups >= t.callbacks && (way.name.startsWith('FIN') || s.sockets.open === 0) ? s : undefined
    }, SETTLE)
    const ms = performance.now() - start
    for (const c of clients) c.socket.destroy()
    const s = settled ?? (await server.stats())
    const t = s.tags[tag] ?? { callbacks: 0, cleanups: 0, doubles: 0 }
    const expected = way.callbacks === undefined ? `≤ ${N}` : String(way.callbacks)
    const pass =
      t.cleanups === t.callbacks &&
      t.doubles === 0 &&
      (way.callbacks === undefined ? t.callbacks <= N : t.callbacks === way.callbacks)
    rows.push([
      way.name,
      String(N),
      `${t.callbacks} (expected ${expected}; ${before} before the cut)`,
      String(t.cleanups),
      String(t.doubles),
      String(s.sockets.open),
      settled ? `${fmt(ms, 0)} ms` : `not within ${SETTLE / 1000} s`,
    ])
    checks.push({
      check: `${way.name}: every callback cleaned up once`,
      expected: `cleanups == callbacks (${expected}), none twice`,
      measured: `${t.callbacks} callbacks, ${t.cleanups} cleanups, ${t.doubles} twice`,
      pass,
    })
    process.stderr.write(`${pass ? 'ok' : 'FAIL'}\n`)
    // Let the server close what the FIN round left half-open before the next round counts sockets.
    await until(async () => (await server.stats()).sockets.open === 0, 5_000)
  }
} finally {
  await server.stop()
}

report({
  id: 'storm',
  title: `Disconnect storm: ${N} sockets per way, ${WAYS.length} ways`,
  method: [
    `Server: \`createServer(toNodeHandler(createSSEHandler(cb, { keepAlive: 1000 })))\` in its own process; each callback counts itself and registers an \`onClose\` that counts per connection (a second run is counted as "twice").`,
    `Client: ${N} raw TCP sockets per way from 16 loopback source addresses, all opened (and, where it applies, their response head received) before every one of them is cut the same way at once.`,
    `"settled": until cleanups caught up with callbacks and the server had no socket left (the FIN round: cleanups only), at most ${SETTLE / 1000} s.`,
  ],
  tables: [
    {
      columns: ['way', 'sockets', 'callbacks', 'cleanups', 'twice', 'server sockets left', 'settled in'],
      rows,
    },
  ],
  checks,
})
