/*
 * Bursts: a client that stopped reading, then megabytes sent to it in one synchronous turn. With
 * `maxBufferSize: 1 MiB`, the cap must bound everything the client has not accepted (what waits in the
 * connection and what node:http buffers), so the connection is cut and the server holds about the cap,
 * never the burst.
 *
 *   --burst=MB   megabytes in the one turn (quick 10, full 50); --burst-clients=N (1)
 */
import { get, held, kb, kernelSendQueue, mb, openClients, rawClient, report, size, sleep, startServer } from './lib.mjs'

const MB = size('burst', 10, 50)
const B = size('burst-clients', 1, 1)
const CAP = 1024 * 1024
/** The cap, plus as much again for what was in flight when it was crossed. */
const BOUND = 2 * CAP

const server = await startServer({ maxBufferSize: CAP })
let figures
let checks
try {
  const clients = await openClients(B, () => rawClient(server.port, get('/burst?tag=burst')))
  for (const c of clients) c.socket.pause()
  // Let the preamble's flush settle, so the burst starts from a connection with the reader waiting.
  await sleep(200)
  const base = await server.stats(true)
  const burst = await server.call('burst', { mb: MB })
  const right = await server.stats(true)
  await sleep(1000)
  const after = await server.stats(true)
  const kernel = kernelSendQueue(server.port)
  const overflows = after.errors.BUFFER_OVERFLOW ?? 0
  const retained = (held(after.memory) - held(base.memory)) / B
  const peak = (held(right.memory) - held(base.memory)) / B
  figures = [
    ['non-reading clients', String(B)],
    [
      `sent in one turn, per client`,
      `${burst.events} events of 64 KiB (${MB} MiB): ${burst.accepted / B} accepted, ${burst.refused / B} refused, ${burst.ms.toFixed(0)} ms`,
    ],
    ['BUFFER_OVERFLOW reported', String(overflows)],
    ['node:http buffers right after the turn (writableLength, all clients)', mb(right.sockets.writable)],
    ['server heap + ArrayBuffers held right after the turn, per client (after gc)', mb(peak)],
    ['1 s later: node:http buffers (writableLength)', kb(after.sockets.writable)],
    ['1 s later: heap + ArrayBuffers held per client (after gc)', mb(retained)],
    ['1 s later: kernel send queues (ss Send-Q)', kernel ? `${mb(kernel.bytes)} over ${kernel.sockets} sockets` : '—'],
    ['1 s later: server sockets open', `${after.sockets.open} of ${B}`],
  ]
  checks = [
    {
      check: 'the burst crosses the cap: BUFFER_OVERFLOW',
      expected: String(B),
      measured: String(overflows),
      pass: overflows === B,
    },
    {
      check: 'bytes held for a non-reading client stay near the cap',
      expected: `≤ ${mb(BOUND)} per client, right after the turn and 1 s later`,
      measured: `${mb(Math.max(right.sockets.writable / B, peak))} right after, ${mb(retained)} 1 s later`,
      pass: Math.max(right.sockets.writable / B, peak) <= BOUND && retained <= BOUND,
    },
  ]
  for (const c of clients) c.socket.destroy()
} finally {
  await server.stop()
}

report({
  id: 'burst',
  title: `Burst: ${MB} MiB in one turn to ${B === 1 ? 'a client' : `${B} clients`} not reading, maxBufferSize 1 MiB`,
  method: [
    '`toNodeHandler(createSSEHandler(cb, { maxBufferSize: 1 MiB }))` on node:http in its own process. The client reads the response head, then `socket.pause()` for good.',
    `On an IPC command the server calls \`send()\` with a 64 KiB string ${Math.ceil((MB * 1024) / 64)} times in one synchronous turn per client.`,
    '"right after": the server\'s figures in the turn after the burst; "1 s later": a second later. Both after two full gcs; heap is `heapUsed + arrayBuffers`, minus the same just before the burst.',
  ],
  tables: [{ columns: ['figure', 'value'], rows: figures }],
  checks,
})
