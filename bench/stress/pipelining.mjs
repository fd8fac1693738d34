/*
 * HTTP/1.1 pipelining: P sockets each send 3 GETs in one write (the second and third queued behind a
 * stream that never ends), every request attaching to one channel; then every socket is destroyed and
 * traffic follows, through the channel and through each connection's own `send()`. Every callback that ran must be cleaned up, nothing may stay
 * attached, and the traffic must not pile up in the server's heap.
 *
 *   --pipeline=P   sockets (quick 20, full 200); --traffic=KB traffic after, each way (quick 180, full 1800)
 */
import { get, held, mb, openClients, rawClient, report, size, sleep, startServer, until } from './lib.mjs'

const P = size('pipeline', 20, 200)
const DEPTH = 3
const TRAFFIC_KB = size('traffic', 180, 1800)
const EVENT = 1024
/**
 * Retained heap allowed after the traffic: what a wave of closed connections leaves in node:http and V8
 * (about 2 MiB here), plus twice what one connection was sent. A connection left attached holds all it
 * was sent, so two of them already cross it.
 */
const BOUND = 4 * 1024 * 1024 + 2 * (2 * TRAFFIC_KB * EVENT)

const server = await startServer({ keepAlive: 1000 })
const tag = 'pipe'
const path = `/channel?name=pipe&tag=${tag}`
let checks
let figures
try {
  const base = await server.stats(true)
  const clients = await openClients(P, () => rawClient(server.port, get(path).repeat(DEPTH)))
  // The callbacks of the queued requests run (or not) as node:http parses them: wait until the count stops moving.
  let last = -1
  await until(
    async () => {
      const n = (await server.stats()).tags[tag]?.callbacks ?? 0
      const stable = n === last
      last = n
      return stable && n >= P
    },
    10_000,
    250,
  )
  const open = await server.stats(true)
  for (const c of clients) c.socket.destroy()
  const gone = await until(async () => {
    const s = await server.stats()
    return s.sockets.open === 0 && s.tags[tag].cleanups >= s.tags[tag].callbacks ? s : undefined
  }, 10_000)
  await sleep(500)
  const afterGone = await server.stats(true)
  const t = afterGone.tags[tag]
  const traffic = await server.call('publish', { name: 'pipe', count: TRAFFIC_KB, bytes: EVENT - 20, perTurn: 100 })
  await sleep(1000)
  const shared = await server.stats(true)
  const own = await server.call('send', { tag, count: TRAFFIC_KB, bytes: EVENT - 20, perTurn: 100 })
  await sleep(1000)
  const after = await server.stats(true)
  const retained = held(after.memory) - held(base.memory)
  figures = [
    ['sockets × pipelined GETs', `${P} × ${DEPTH} = ${P * DEPTH}`],
    ['callbacks run', String(t.callbacks)],
    ['cleanups run (sockets destroyed)', `${t.cleanups}${gone ? '' : ' (still short after 10 s)'}`],
    ['cleanups run twice', String(t.doubles)],
    ['attached to the channel after', String(after.channels.pipe ?? 0)],
    ['server sockets left', String(after.sockets.open)],
    ['server heap + ArrayBuffers before', mb(held(base.memory))],
    ['with every socket open', mb(held(open.memory))],
    ['after the sockets were destroyed', mb(held(afterGone.memory))],
    [
      `after ${TRAFFIC_KB} KiB published to the channel (${traffic.published} events; bytes shared by every connection)`,
      mb(held(shared.memory)),
    ],
    [
      `after ${TRAFFIC_KB} KiB more through each connection's own send() (${own.connections} connections still listed)`,
      mb(held(after.memory)),
    ],
    ['retained after the traffic (vs before)', mb(retained)],
  ]
  checks = [
    {
      check: 'every callback cleaned up once when its socket went',
      expected: 'cleanups == callbacks, none twice',
      measured: `${t.callbacks} callbacks, ${t.cleanups} cleanups, ${t.doubles} twice`,
      pass: t.cleanups === t.callbacks && t.doubles === 0,
    },
    {
      check: 'nothing stays attached to the channel',
      expected: '0 attached',
      measured: `${after.channels.pipe ?? 0} attached`,
      pass: (after.channels.pipe ?? 0) === 0,
    },
    {
      check: 'traffic sent after the sockets went is not held',
      expected: `retained ≤ ${mb(BOUND)}`,
      measured: mb(retained),
      pass: retained <= BOUND,
    },
  ]
} finally {
  await server.stop()
}

report({
  id: 'pipelining',
  title: `HTTP/1.1 pipelining: ${P} sockets × ${DEPTH} GETs, sockets destroyed`,
  method: [
    `Server: \`toNodeHandler(createSSEHandler(cb, { keepAlive: 1000 }))\` on node:http in its own process; every request attaches to one memory-backplane channel and counts its callback and its cleanup.`,
    `Client: ${P} raw sockets, each writing ${DEPTH} identical \`GET\`s in one write; once the server's callback count stops moving, every socket is destroyed. Then the channel publishes ${TRAFFIC_KB} events of 1 KiB (100 per turn; a channel encodes each event once, so connections share those bytes), and then the same again through the \`send()\` of every connection whose signal has not aborted (a per-user feed: each connection holds its own copy).`,
    'Heap: `heapUsed + arrayBuffers` of the server process after two full gcs.',
  ],
  tables: [{ columns: ['figure', 'value'], rows: figures }],
  checks,
})
