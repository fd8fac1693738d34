/*
 * Idle connections: N streams that nobody writes to. Every one must receive keep-alive comments from
 * the shared ticker, and cost the server a bounded, small amount of heap.
 *
 *   --idle=N   connections (quick 1000, full 10000); --interval=MS keep-alive interval (2000)
 */
import { fmt, get, held, kb, mb, openClients, rawClient, report, size, startServer, until } from './lib.mjs'

const N = size('idle', 1000, 10_000)
const INTERVAL = size('interval', 2000, 2000)
/** Per connection: the socket, node:http's request and response, our connection. Tens of kB would be a leak. */
const BOUND = 32 * 1024
const COMMENT = ':\n\n'

const server = await startServer({ keepAlive: INTERVAL })
let figures
let checks
try {
  const base = await server.stats(true)
  const start = performance.now()
  const clients = await openClients(N, () =>
    rawClient(server.port, get('/hold?tag=idle'), {
      // The preamble is a comment too: the second one is the first keep-alive.
      onData: (data, c) => {
        for (let i = data.indexOf(COMMENT); i !== -1; i = data.indexOf(COMMENT, i + 1))
          c.comments = (c.comments ?? 0) + 1
      },
    }),
  )
  const opened = performance.now() - start
  const connected = clients.filter((c) => c.head).length
  // A tick skips a connection that wrote in the interval before it: two intervals reach every one.
  await until(() => clients.every((c) => c.closed || (c.comments ?? 0) >= 2), INTERVAL * 3 + 5_000, 250)
  const kept = clients.filter((c) => !c.closed && (c.comments ?? 0) >= 2).length
  const full = await server.stats(true)
  const perConnection = (held(full.memory) - held(base.memory)) / N
  for (const c of clients) c.socket.destroy()
  const gone = await until(async () => {
    const s = await server.stats()
    return s.sockets.open === 0 && s.tags.idle.cleanups >= s.tags.idle.callbacks ? s : undefined
  }, 20_000)
  const after = gone ? await server.stats(true) : await server.stats(true)
  const t = after.tags.idle
  figures = [
    ['connections', `${connected} of ${N} open (in ${fmt(opened / 1000, 1)} s)`],
    ['received a keep-alive comment', `${kept} of ${N}`],
    ['server heap + ArrayBuffers before', mb(held(base.memory))],
    [`with ${N} idle connections`, mb(held(full.memory))],
    ['per connection', kb(perConnection)],
    ['after every client left', mb(held(after.memory))],
    ['callbacks / cleanups', `${t.callbacks} / ${t.cleanups} (${t.doubles} twice)`],
  ]
  checks = [
    {
      check: 'every idle connection gets keep-alive',
      expected: `${N} of ${N}`,
      measured: `${kept} of ${N}`,
      pass: kept === N,
    },
    {
      check: 'heap per idle connection is bounded',
      expected: `≤ ${kb(BOUND)}`,
      measured: kb(perConnection),
      pass: perConnection <= BOUND,
    },
    {
      check: 'every callback cleaned up once when the clients left',
      expected: `cleanups == callbacks (${N}), none twice`,
      measured: `${t.callbacks} callbacks, ${t.cleanups} cleanups, ${t.doubles} twice`,
      pass: t.callbacks === N && t.cleanups === t.callbacks && t.doubles === 0,
    },
  ]
} finally {
  await server.stop()
}

report({
  id: 'idle',
  title: `${N} idle connections`,
  method: [
    `Server: \`toNodeHandler(createSSEHandler(cb, { keepAlive: ${INTERVAL} }))\` on node:http in its own process; the callback writes nothing.`,
    `Client: ${N} raw sockets (500 connecting at a time, 16 loopback source addresses), each counting \`:\\n\\n\` comments: the preamble, then keep-alives. Waits up to 3 intervals + 5 s for every one to have a keep-alive.`,
    'Heap: `heapUsed + arrayBuffers` of the server process after two full gcs, with every connection open, minus the same before; divided by the connections.',
  ],
  tables: [{ columns: ['figure', 'value'], rows: figures }],
  checks,
})
