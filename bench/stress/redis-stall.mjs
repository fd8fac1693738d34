/*
 * Redis stall: channels on the Redis backplane, K EventSource clients attached, a publisher publishing
 * at a steady rate while redis-server is stopped with SIGSTOP for a few seconds, then SIGCONT. Every
 * event Redis accepted must reach every client exactly once: lost = 0, duplicated = 0.
 *
 * redis-server is started by the test harness (runtimes/harness/process.ts `startRedis`: a free loopback
 * port, no persistence, its own process group); the probe is skipped, saying so, when it is missing.
 *
 *   --redis-clients=K (quick 10, full 50); --stall=S seconds stopped (5); --rate=N publishes per second (200)
 */
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { EventSource } from 'use-next-sse/client'
import { fmt, ROOT, report, size, sleep, startServer, until } from './lib.mjs'

const K = size('redis-clients', 10, 50)
const STALL = size('stall', 5, 5) * 1000
const RATE = size('rate', 200, 200)
const BEFORE = 2000
const AFTER = 2000
const NAME = 'stall'

const title = `Redis stall: redis-server stopped (SIGSTOP) for ${STALL / 1000} s under ${RATE} publishes/s, ${K} clients`

/** The harness is TypeScript: bundle it (with its program lookup) for this Node process. */
async function loadHarness() {
  const { build } = await import('esbuild')
  const outfile = join(tmpdir(), `use-next-sse-stress-harness-${process.pid}.mjs`)
  await build({
    stdin: {
      contents:
        "export { startRedis } from './runtimes/harness/process.ts'\nexport { locate } from './scripts/system.mjs'\n",
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'silent',
  })
  try {
    return await import(pathToFileURL(outfile).href)
  } finally {
    rmSync(outfile, { force: true })
  }
}

const harness = await loadHarness()
try {
  harness.locate('redis-server')
} catch (error) {
  // The harness's message ends with how to skip it in `npm test`, which says nothing about this suite.
  const install = error.message
    .split('\n')
    .slice(1)
    .filter((line) => !line.startsWith('Or skip'))
  report({ id: 'redis-stall', title, skipped: `redis-server was not found. ${install.join(' ')}` })
  process.exit(0)
}

const { createClient } = await import('redis')
const { createRedisBackplane } = await import('use-next-sse/redis')
const { createChannel } = await import('use-next-sse/server')

const redis = await harness.startRedis()
let server
let publisher
let backplane
let sources = []
let figures
let checks
try {
  server = await startServer({ redisUrl: redis.url })
  publisher = createClient({ url: redis.url })
  let publisherErrors = 0
  publisher.on('error', () => publisherErrors++)
  await publisher.connect()
  const pid = Number(/process_id:(\d+)/.exec(await publisher.info('server'))?.[1])
  backplane = createRedisBackplane({ client: publisher, onError: () => publisherErrors++ })
  const channel = createChannel({ name: NAME, backplane, maxEvents: 100_000 })

  // Every client records each sequence number it receives, and how late it came.
  const clients = Array.from({ length: K }, () => ({ seen: new Map(), order: 0, lastSeq: -1, late: 0 }))
  sources = clients.map((c) => {
    const source = new EventSource(`http://127.0.0.1:${server.port}/channel?name=${NAME}&tag=${NAME}`)
    source.onmessage = (event) => {
      const { seq, at } = JSON.parse(event.data)
      c.seen.set(seq, (c.seen.get(seq) ?? 0) + 1)
      if (seq < c.lastSeq) c.order++
      c.lastSeq = Math.max(c.lastSeq, seq)
      c.late = Math.max(c.late, Date.now() - at)
    }
    return source
  })
  await until(async () => (await server.stats()).channels[NAME] === K, 10_000)

  // A fresh connection gets what is published after its instance started reading: wait for a probe event.
  let seq = 0
  const accepted = []
  let rejected = 0
  const publish = () => {
    const n = seq++
    const done = channel.publish({ seq: n, at: Date.now() }).then(
      () => accepted.push(n),
      () => rejected++,
    )
    return done
  }
  await publish()
  await until(() => clients.every((c) => c.seen.has(0)), 10_000)

  const pending = []
  const run = async (ms) => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      pending.push(publish())
      await sleep(1000 / RATE)
    }
  }
  await run(BEFORE)
  process.kill(pid, 'SIGSTOP')
  const stoppedAt = seq
  await run(STALL)
  process.kill(pid, 'SIGCONT')
  const resumedAt = seq
  await run(AFTER)
  await Promise.all(pending)
  const last = seq - 1
  const delivered = await until(() => clients.every((c) => accepted.every((n) => c.seen.has(n))), 30_000, 100)

  let lost = 0
  let duplicated = 0
  let reordered = 0
  let late = 0
  for (const c of clients) {
    for (const n of accepted) if (!c.seen.has(n)) lost++
    for (const count of c.seen.values()) if (count > 1) duplicated += count - 1
    reordered += c.order
    late = Math.max(late, c.late)
  }
  const stats = await server.stats()
  figures = [
    ['clients attached', `${K} (server channel size ${stats.channels[NAME] ?? 0})`],
    [
      'published',
      `${seq} (${stoppedAt}–${resumedAt - 1} during the stall): ${accepted.length} accepted by Redis, ${rejected} rejected`,
    ],
    ['events expected at the clients', String(accepted.length * K)],
    ['lost (accepted, never delivered to a client)', String(lost)],
    ['duplicated', String(duplicated)],
    ['out of order', String(reordered)],
    ['longest delivery delay', `${fmt(late / 1000, 1)} s`],
    [
      'server errors by code',
      Object.entries(stats.errors)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none',
    ],
    ['publisher-side errors', String(publisherErrors)],
    ['every client had every event', delivered ? 'yes' : `no, after waiting 30 s (last seq ${last})`],
  ]
  checks = [
    {
      check: 'no event Redis accepted is lost across the stall',
      expected: 'lost = 0',
      measured: `lost = ${lost}`,
      pass: lost === 0 && accepted.length > 0,
    },
    {
      check: 'no event is delivered twice',
      expected: 'duplicated = 0',
      measured: `duplicated = ${duplicated}`,
      pass: duplicated === 0,
    },
  ]
} finally {
  for (const source of sources) source.close()
  await backplane?.close().catch(() => {})
  await publisher?.quit().catch(() => {})
  await server?.stop()
  await redis.stop()
}

report({
  id: 'redis-stall',
  title,
  method: [
    `A real redis-server (7, Debian) started by the test harness's \`startRedis\`; \`toNodeHandler(createSSEHandler(cb))\` on node:http in its own process, every connection attached to channel "${NAME}" on \`createRedisBackplane\`.`,
    `Client: ${K} \`EventSource\`s from use-next-sse/client. The publisher (this process, its own Redis client and backplane) publishes \`{ seq, at }\` at ${RATE}/s: ${BEFORE / 1000} s, then redis-server gets SIGSTOP for ${STALL / 1000} s (publishing goes on, queued in the client), SIGCONT, ${AFTER / 1000} s more.`,
    'Every published event Redis accepted must reach every client once; the probe waits up to 30 s for the backlog.',
  ],
  tables: [{ columns: ['figure', 'value'], rows: figures }],
  checks,
})
