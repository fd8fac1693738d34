/*
 * The server side of every stress probe: `createServer(toNodeHandler(createSSEHandler(...)))` from the
 * built package, in its own process (forked by lib.mjs's startServer, with --expose-gc), driven over IPC.
 *
 * Config (JSON in argv[2]): `keepAlive`, `maxBufferSize` (handler options), `redisUrl` (channels on a
 * Redis backplane instead of the process-wide memory one), `maxAge` (rooms' history).
 *
 * Routes (the path picks the behaviour; `?tag=` groups the counters, defaulting to the path):
 * - `/hold`                   nothing but the preamble and keep-alive comments
 * - `/stream?bytes=N`         N bytes of 16 KiB events, one per turn (a body in flight)
 * - `/channel?name=X`         attached to channel X
 * - `/flood`                  a 64 KiB event every turn, for ever (a client that stops reading overflows)
 * - `/burst`                  waits for the IPC `burst` command, which sends megabytes in one turn
 * - `/once`                   one event with an id, then close() (reconnect storms)
 * - `/room?name=X&events=K&bytes=B`  attaches to channel X (maxAge from config), publishes K events of B bytes
 *
 * Every callback counts itself and registers a cleanup that counts itself, per connection, so a cleanup
 * that runs twice is seen as such, not hidden in a total.
 *
 * IPC commands: `stats { gc }`, `reset`, `publish { name, count, bytes, perTurn }` (to a channel),
 * `send { tag, count, bytes, perTurn }` (through each open /channel connection's own `send`), `burst { mb }`.
 */
import { createServer } from 'node:http'
import { toNodeHandler } from 'use-next-sse/node'
import { createChannel, createSSEHandler } from 'use-next-sse/server'

const config = JSON.parse(process.argv[2] ?? '{}')

let tags = {}
let errors = {}
const count = (error) => {
  const code = error?.code ?? error?.name ?? 'unknown'
  errors[code] = (errors[code] ?? 0) + 1
}

let backplane
let redisClient
if (config.redisUrl) {
  const { createClient } = await import('redis')
  const { createRedisBackplane } = await import('use-next-sse/redis')
  redisClient = createClient({ url: config.redisUrl })
  redisClient.on('error', () => {
    errors.redis = (errors.redis ?? 0) + 1
  })
  await redisClient.connect()
  backplane = createRedisBackplane({ client: redisClient, onError: (e) => count(e) })
}

const tagOf = (name) => {
  tags[name] ??= { callbacks: 0, cleanups: 0, doubles: 0 }
  return tags[name]
}

/** Channels by name, kept for the probes that publish to them over IPC (never for rooms). */
const channels = new Map()
const channel = (name) => {
  let c = channels.get(name)
  if (c === undefined) {
    c = createChannel({ name, backplane, maxEvents: 100_000 })
    channels.set(name, c)
  }
  return c
}
/** `send` of every /burst connection still open. */
const bursts = new Set()
/** `send` of every /channel connection whose cleanup has not run, by tag: what the `send` command writes to. */
const members = new Map()

const pad = (bytes) => 'x'.repeat(Math.max(0, bytes))
const EVENT_16K = pad(16 * 1024)
const EVENT_64K = pad(64 * 1024)

const handler = createSSEHandler(
  (send, close, context) => {
    const url = new URL(context.request.url)
    const tag = tagOf(url.searchParams.get('tag') ?? url.pathname)
    tag.callbacks++
    const mine = { cleanups: 0 }
    context.onClose(() => {
      if (++mine.cleanups === 2) tag.doubles++
      else if (mine.cleanups === 1) tag.cleanups++
    })
    const { signal } = context
    switch (url.pathname) {
      case '/stream': {
        let left = Number(url.searchParams.get('bytes'))
        const step = () => {
          if (signal.aborted || left <= 0) return
          send(EVENT_16K)
          left -= EVENT_16K.length
          setImmediate(step)
        }
        step()
        break
      }
      case '/channel': {
        channel(url.searchParams.get('name')).attach(context)
        const name = url.searchParams.get('tag') ?? url.pathname
        if (!members.has(name)) members.set(name, new Set())
        members.get(name).add(send)
        // Dropped on the connection's end, as an application would drop a closed connection from its list.
        signal.addEventListener('abort', () => members.get(name).delete(send))
        break
      }
      case '/flood': {
        const step = () => {
          if (signal.aborted) return
          send(EVENT_64K)
          setImmediate(step)
        }
        step()
        break
      }
      case '/burst': {
        bursts.add(send)
        signal.addEventListener('abort', () => bursts.delete(send))
        break
      }
      case '/once':
        send({ at: Date.now() }, { id: String(tag.callbacks) })
        close()
        break
      case '/room': {
        // A channel object per connection, never stored: what a room leaves behind is the backplane's.
        const room = createChannel({ name: url.searchParams.get('name'), maxAge: config.maxAge })
        room.attach(context)
        const data = pad(Number(url.searchParams.get('bytes')))
        const events = Number(url.searchParams.get('events'))
        ;(async () => {
          for (let i = 0; i < events; i++) await room.publish({ i, data })
        })().catch(count)
        break
      }
    }
  },
  {
    keepAlive: config.keepAlive ?? 15_000,
    maxBufferSize: config.maxBufferSize,
    onError: count,
  },
)

const sockets = new Set()
const server = createServer(toNodeHandler(handler))
server.on('connection', (socket) => {
  sockets.add(socket)
  socket.once('close', () => sockets.delete(socket))
})
// Thousands of connections at once: the default backlog (511) drops SYNs under a storm.
server.listen({ port: 0, host: '127.0.0.1', backlog: 65_535 }, () => {
  process.send({ port: server.address().port })
})

const gc = () => {
  globalThis.gc()
  globalThis.gc()
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

const commands = {
  stats({ gc: collect }) {
    if (collect) gc()
    let writable = 0
    for (const s of sockets) writable += s.writableLength
    return {
      tags,
      errors,
      sockets: { open: sockets.size, writable },
      channels: Object.fromEntries([...channels].map(([name, c]) => [name, c.size])),
      memory: process.memoryUsage(),
    }
  },
  reset() {
    tags = {}
    errors = {}
    return true
  },
  async publish({ name, count: total, bytes, perTurn = 100 }) {
    const c = channel(name)
    const data = pad(bytes)
    let published = 0
    let failed = 0
    for (let i = 0; i < total; ) {
      const turn = []
      for (const end = Math.min(total, i + perTurn); i < end; i++) turn.push(c.publish({ i, data }))
      for (const r of await Promise.allSettled(turn)) r.status === 'fulfilled' ? published++ : failed++
      await tick()
    }
    return { published, failed }
  },
  /**
   * `count` events of `bytes` bytes through `send()` to every /channel connection of `tag` still open:
   * per-connection traffic (a per-user feed), which, unlike a channel's shared bytes, each connection
   * holds on its own when it cannot deliver it.
   */
  async send({ tag, count: total, bytes, perTurn = 100 }) {
    const data = pad(bytes)
    const targets = [...(members.get(tag) ?? [])]
    for (let i = 0; i < total; ) {
      for (const end = Math.min(total, i + perTurn); i < end; i++) for (const send of targets) send({ i, data })
      await tick()
    }
    return { connections: targets.length }
  },
  /** `mb` megabytes of 64 KiB events to every /burst connection, in one synchronous turn. */
  burst({ mb }) {
    const events = Math.ceil((mb * 1024 * 1024) / EVENT_64K.length)
    let accepted = 0
    let refused = 0
    const start = performance.now()
    for (const send of bursts) for (let i = 0; i < events; i++) send(EVENT_64K) ? accepted++ : refused++
    return { events, accepted, refused, ms: performance.now() - start }
  },
}

process.on('message', async (message) => {
  try {
    const result = await commands[message.cmd](message)
    process.send({ id: message.id, result })
  } catch (error) {
    process.send({ id: message.id, error: String(error?.stack ?? error) })
  }
})
process.on('disconnect', () => process.exit(0))
