/*
 * Rooms that come and go on the default (memory) backplane: R per-user or per-document channels, each
 * opened by one client, given a few events, then left for good. What the server retains afterwards
 * must be bounded: history expires by `maxAge` without another publish, so a room nobody returns to
 * costs nothing once its history is older than `maxAge` (and the backplane's sweep ran).
 *
 *   --rooms=R (quick 200, full 1000); --rooms-wait=S seconds to wait for expiry (32: maxAge 1 s + the 30 s sweep)
 */
import { get, held, kb, mb, rawClient, report, size, sleep, startServer, until } from './lib.mjs'

const R = size('rooms', 200, 1000)
const WAIT = size('rooms-wait', 32, 32) * 1000
const MAX_AGE = 1000
const EVENTS = 5
const BYTES = 1000
const PARALLEL = 50
/**
 * After expiry a room should leave nothing. V8 keeps some capacity of hash tables that grew and shrank
 * (measured here: 30 to 250 KiB after 1,000 to 5,000 topics came and went, in no order), so the bound
 * is 512 KiB plus 64 B per room: a room that kept only its empty topic (about 600 B) fails it at
 * 1,000 rooms, one that kept its history (about 6 KiB) at any size.
 */
const BOUND = 512 * 1024 + 64 * R

const server = await startServer({ maxAge: MAX_AGE })

/** Opens room `name`, waits for its events, leaves. */
async function visit(name, tag = 'room') {
  let seen = 0
  const c = rawClient(server.port, get(`/room?tag=${tag}&name=${name}&events=${EVENTS}&bytes=${BYTES}`), {
    onData: (data) => {
      for (let i = data.indexOf('data: '); i !== -1; i = data.indexOf('data: ', i + 1)) seen++
    },
  })
  await until(() => seen >= EVENTS || c.closed, 10_000, 10)
  c.socket.destroy()
  return seen >= EVENTS
}

/** A connection that comes and goes without a room: the control. */
async function plain() {
  const c = rawClient(server.port, get('/hold?tag=control'))
  await c.headers
  c.socket.destroy()
  return true
}

/** Runs `visit(i)` for i < R, PARALLEL at a time; resolves with how many returned true. */
async function wave(visit) {
  let ok = 0
  for (let i = 0; i < R; i += PARALLEL) {
    const batch = []
    for (let j = i; j < Math.min(R, i + PARALLEL); j++) batch.push(visit(j))
    for (const done of await Promise.all(batch)) if (done) ok++
  }
  return ok
}

let figures
let checks
try {
  // Warm-up: the first rooms load and compile the channel code; their history expires with the rest.
  for (let i = 0; i < 10; i++) await visit(`warm-${i}`, 'warm')
  // Control: as many connections coming and going without a room. node:http and V8 keep some of what
  // a wave of connections grew (pools, hash tables, compiled code); measured from after this wave, the
  // rooms' figures hold what the rooms themselves leave.
  const start = await server.stats(true)
  await wave((i) => plain(i))
  await until(async () => (await server.stats()).sockets.open === 0, 10_000)
  const base = await server.stats(true)
  const complete = await wave((i) => visit(`room-${i}`))
  await until(async () => {
    const s = await server.stats()
    return s.sockets.open === 0 && s.tags.room.cleanups >= s.tags.room.callbacks
  }, 10_000)
  const left = await server.stats(true)
  await sleep(WAIT)
  const expired = await server.stats(true)
  const t = expired.tags.room
  const idle = held(left.memory) - held(base.memory)
  const retained = held(expired.memory) - held(base.memory)
  figures = [
    ['rooms', `${R} (${PARALLEL} at a time), ${EVENTS} events of ${BYTES} B each, maxAge ${MAX_AGE} ms`],
    ['rooms whose client got every event', `${complete} of ${R}`],
    ['callbacks / cleanups', `${t.callbacks} / ${t.cleanups} (${t.doubles} twice)`],
    ['server heap + ArrayBuffers after the warm-up', mb(held(start.memory))],
    [`retained by ${R} connections without a room (the control)`, mb(held(base.memory) - held(start.memory))],
    ['retained once every room was left', `${mb(idle)} (${kb(idle / R)} per room)`],
    [`retained ${WAIT / 1000} s later (history expired)`, `${mb(retained)} (${kb(retained / R)} per room)`],
  ]
  checks = [
    {
      check: 'every room connection cleaned up once',
      expected: `cleanups == callbacks (${R}), none twice`,
      measured: `${t.callbacks} callbacks, ${t.cleanups} cleanups, ${t.doubles} twice`,
      pass: t.callbacks === R && t.cleanups === t.callbacks && t.doubles === 0,
    },
    {
      check: 'rooms left behind are forgotten once their history expired',
      expected: `retained ≤ ${kb(BOUND)}`,
      measured: kb(retained),
      pass: retained <= BOUND,
    },
  ]
} finally {
  await server.stop()
}

report({
  id: 'rooms',
  title: `${R} rooms that come and go on the memory backplane`,
  method: [
    `\`toNodeHandler(createSSEHandler(cb))\` on node:http in its own process. \`/room?name=X\`: the callback makes \`createChannel({ name: X, maxAge: ${MAX_AGE} })\` (the process-wide memory backplane), attaches the connection and publishes ${EVENTS} events of ${BYTES} B.`,
    `Client: a raw socket per room, ${PARALLEL} rooms at a time, which reads its ${EVENTS} events and leaves; no room is visited twice. 10 warm-up rooms first.`,
    `Heap: \`heapUsed + arrayBuffers\` of the server process after two full gcs. A control wave of ${R} connections to a route without a room runs first; the rooms' figures are measured from after it (so what node:http and V8 keep of any wave of connections is not counted as the rooms'), when every room was left, then ${WAIT / 1000} s later (the backplane sweeps expired history every 30 s).`,
  ],
  tables: [{ columns: ['figure', 'value'], rows: figures }],
  checks,
})
