/*
 * Slow consumers: M clients read the response head, then stop reading (their TCP window closes) while
 * the server writes 64 KiB per turn. With `maxBufferSize: 1 MiB` each must be cut with BUFFER_OVERFLOW,
 * its cleanup must run, the server must hold no more than the cap per client, and a cut client must not
 * keep its server socket (and the kernel buffers behind it) by keeping its window closed.
 *
 *   --slow=M   paused readers (quick 4, full 20); --linger=S seconds to wait after the cuts (5)
 */
import {
  get,
  held,
  kb,
  kernelSendQueue,
  mb,
  openClients,
  rawClient,
  report,
  size,
  sleep,
  startServer,
  until,
} from './lib.mjs'

const M = size('slow', 4, 20)
const LINGER = size('linger', 5, 5) * 1000
const CAP = 1024 * 1024

const server = await startServer({ maxBufferSize: CAP, keepAlive: 15_000 })
let figures
let checks
try {
  const base = await server.stats(true)
  const clients = await openClients(M, () => rawClient(server.port, get('/flood?tag=slow')))
  for (const c of clients) c.socket.pause()
  const start = performance.now()
  const cut = await until(async () => {
    const s = await server.stats()
    return (s.errors.BUFFER_OVERFLOW ?? 0) >= M ? s : undefined
  }, 30_000)
  const toCut = performance.now() - start
  await sleep(LINGER)
  const after = await server.stats(true)
  const kernel = kernelSendQueue(server.port)
  const overflows = after.errors.BUFFER_OVERFLOW ?? 0
  const t = after.tags.slow
  const retained = held(after.memory) - held(base.memory)
  const clientOpen = clients.filter((c) => !c.closed).length
  figures = [
    ['paused readers', String(M)],
    [
      'BUFFER_OVERFLOW reported',
      `${overflows}${cut ? ` (all within ${(toCut / 1000).toFixed(1)} s)` : ' (not all within 30 s)'}`,
    ],
    ['callbacks / cleanups', `${t.callbacks} / ${t.cleanups} (${t.doubles} twice)`],
    [`${LINGER / 1000} s after the cuts: server sockets still open`, `${after.sockets.open} of ${M}`],
    ['  bytes node:http still buffers for them (writableLength)', kb(after.sockets.writable)],
    [
      '  bytes in the kernel send queues of the server sockets (ss Send-Q)',
      kernel ? `${mb(kernel.bytes)} over ${kernel.sockets} sockets` : '— (ss not found)',
    ],
    ['  client sockets the server closed', `${M - clientOpen} of ${M}`],
    ['server heap + ArrayBuffers retained (vs before)', mb(retained)],
  ]
  checks = [
    {
      check: 'every paused reader is cut with BUFFER_OVERFLOW',
      expected: `${M}`,
      measured: String(overflows),
      pass: overflows === M,
    },
    {
      check: 'every cut connection cleaned up once',
      expected: `cleanups == callbacks (${M}), none twice`,
      measured: `${t.callbacks} callbacks, ${t.cleanups} cleanups, ${t.doubles} twice`,
      pass: t.callbacks === M && t.cleanups === t.callbacks && t.doubles === 0,
    },
    {
      check: 'server memory held for the paused readers is bounded',
      expected: `≤ maxBufferSize × ${M} = ${mb(CAP * M)}`,
      measured: mb(retained),
      pass: retained <= CAP * M,
    },
    {
      check: 'a cut client does not keep its server socket',
      expected: `0 of ${M} open ${LINGER / 1000} s after the cut`,
      measured: `${after.sockets.open} of ${M} open`,
      pass: after.sockets.open === 0,
    },
  ]
  for (const c of clients) c.socket.destroy()
} finally {
  await server.stop()
}

report({
  id: 'slow',
  title: `Slow consumers: ${M} paused readers, maxBufferSize 1 MiB`,
  method: [
    '`toNodeHandler(createSSEHandler(cb, { maxBufferSize: 1 MiB }))` on node:http in its own process; the callback sends a 64 KiB event every turn (setImmediate) until its signal aborts.',
    `Client: ${M} raw sockets that read the response head, then \`socket.pause()\` for good, so their receive windows close. Waits until ${M} BUFFER_OVERFLOW reached \`onError\`, then ${LINGER / 1000} s more, then measures.`,
    'Heap: `heapUsed + arrayBuffers` of the server process after two full gcs, minus the same before the clients came. Kernel buffers are outside it: they are read with `ss`.',
  ],
  tables: [{ columns: ['figure', 'value'], rows: figures }],
  checks,
})
