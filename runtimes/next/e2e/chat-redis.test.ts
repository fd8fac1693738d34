/**
 * The chat with `REDIS_URL` set: two `next start` instances of the demo (the build the global setup
 * made) share a real redis-server through createRedisBackplane. A message posted to one instance reaches
 * a client of the other live, and a client that comes back to the other instance with `?lastEventId=`
 * (what the page does after a reload) gets exactly what it missed. Read with the package's EventSource.
 */
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { EventSource } from 'use-next-sse/client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { until } from '../../harness/poll'
import { type Guarded, startOnFreePorts, startRedis, waitForHttp } from '../../harness/process'
import type { Message } from '../app/_lib/chat-types'

const app = fileURLToPath(new URL('..', import.meta.url))
const next = fileURLToPath(new URL('../../../node_modules/.bin/next', import.meta.url))

/** Delivery crosses two `next start` processes and Redis: a bound as generous as the browser suites'. */
const DELIVERY = 30_000

const servers: Guarded[] = []
const urls: string[] = []
const sources: EventSource[] = []
let redis: Awaited<ReturnType<typeof startRedis>> | undefined

async function startInstance(redisUrl: string): Promise<string> {
  const { server, url } = await startOnFreePorts(next, {
    args: ([port]) => ['start', '--port', String(port), '--hostname', '127.0.0.1'],
    ready: (server, url) => waitForHttp(`${url}/api/lifecycle`, server),
    cwd: app,
    env: { NEXT_TELEMETRY_DISABLED: '1', REDIS_URL: redisUrl },
  })
  servers.push(server)
  return url
}

beforeAll(async () => {
  redis = await startRedis()
  urls.push(...(await Promise.all([startInstance(redis.url), startInstance(redis.url)])))
}, 120_000)

afterAll(async () => {
  for (const source of sources) source.close()
  await Promise.all(servers.map((server) => server.kill()))
  await redis?.stop()
})

/** Our EventSource on a room, collecting its messages with their event ids. */
function listen(url: string) {
  const source = new EventSource(url, { reconnect: false })
  sources.push(source)
  const received: { text: string; id: string }[] = []
  source.addEventListener('message', (event) => {
    received.push({ text: (JSON.parse(event.data) as Message).text, id: event.lastEventId })
  })
  const opened = new Promise<void>((resolve) => source.addEventListener('open', () => resolve()))
  return { source, received, opened }
}

async function post(base: string, room: string, text: string): Promise<void> {
  const response = await fetch(`${base}/api/chat/${room}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'e2e', text }),
  })
  expect(response.status).toBe(200)
}

describe('chat on Redis (REDIS_URL)', { timeout: 60_000 }, () => {
  test('a message posted to one instance reaches the other; a client resuming there gets what it missed once', async () => {
    const [a, b] = urls as [string, string]
    const room = `redis-${randomUUID().slice(0, 8)}`

    const live = listen(`${b}/api/chat/${room}`)
    await live.opened
    await post(a, room, 'one')
    await until(() => live.received.length >= 1, 'the message on the other instance', DELIVERY)
    expect(live.received.map((m) => m.text)).toEqual(['one'])
    // A Redis Streams entry id: the backplane is Redis, not the instance's memory.
    const id = live.received[0]!.id
    expect(id).toMatch(/^\d+-\d+$/)
    live.source.close()

    await post(a, room, 'two')
    await post(a, room, 'three')
    const resumed = listen(`${b}/api/chat/${room}?lastEventId=${encodeURIComponent(id)}`)
    await until(() => resumed.received.length >= 2, 'the missed messages', DELIVERY)
    await post(b, room, 'four')
    await until(() => resumed.received.length >= 3, 'a live message after the replay', DELIVERY)
    expect(resumed.received.map((m) => m.text)).toEqual(['two', 'three', 'four'])
  })
})
