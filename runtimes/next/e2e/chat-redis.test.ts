/**
 * The chat with `REDIS_URL` set: two `next start` instances of the demo (the build the global setup
 * made) share a real redis-server through createRedisBackplane. A message posted to one instance reaches
 * a client of the other live, and a client that comes back to the other instance with `?lastEventId=`
 * (what the page does after a reload) gets exactly what it missed. Read with the package's EventSource.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EventSource } from 'use-next-sse/client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { locate } from '../../../scripts/system.mjs'
import { freePort, type Guarded, startGuarded, waitForHttp } from '../../../tests/contract/process'
import { eventually } from '../../../tests/helpers/browser'
import type { Message } from '../app/_lib/chat-types'

const app = fileURLToPath(new URL('..', import.meta.url))
const next = fileURLToPath(new URL('../../../node_modules/.bin/next', import.meta.url))

const servers: Guarded[] = []
const urls: string[] = []
const sources: EventSource[] = []

async function startInstance(redisUrl: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const server = startGuarded(next, ['start', '--port', String(port), '--hostname', '127.0.0.1'], {
      cwd: app,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', REDIS_URL: redisUrl },
    })
    servers.push(server)
    const url = `http://127.0.0.1:${port}`
    try {
      await waitForHttp(`${url}/api/lifecycle`, server)
      return url
    } catch (error) {
      await server.kill()
      if (attempt < 3 && /EADDRINUSE/.test(server.output())) continue
      throw new Error(`${(error as Error).message}\n${server.output()}`)
    }
  }
}

const redisDir = mkdtempSync(join(tmpdir(), 'sse-demo-redis-'))

/** A throwaway redis-server, guarded like the Next servers: it goes down with this process, however it dies. */
async function startRedis(): Promise<string> {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no']
  const redis = startGuarded(locate('redis-server'), args, { cwd: redisDir, env: process.env })
  servers.push(redis)
  await eventually(
    async () => redis.output(),
    (output) => output.includes('Ready to accept connections') || redis.child.exitCode !== null,
    'redis-server',
  )
  if (redis.child.exitCode !== null) throw new Error(`redis-server exited:\n${redis.output()}`)
  return `redis://127.0.0.1:${port}`
}

beforeAll(async () => {
  const redis = await startRedis()
  urls.push(...(await Promise.all([startInstance(redis), startInstance(redis)])))
}, 120_000)

afterAll(async () => {
  for (const source of sources) source.close()
  await Promise.all(servers.map((server) => server.kill()))
  rmSync(redisDir, { recursive: true, force: true })
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
    await eventually(
      async () => live.received.length,
      (n) => n >= 1,
      'the message on the other instance',
    )
    expect(live.received.map((m) => m.text)).toEqual(['one'])
    // A Redis Streams entry id: the backplane is Redis, not the instance's memory.
    const id = live.received[0]!.id
    expect(id).toMatch(/^\d+-\d+$/)
    live.source.close()

    await post(a, room, 'two')
    await post(a, room, 'three')
    const resumed = listen(`${b}/api/chat/${room}?lastEventId=${encodeURIComponent(id)}`)
    await eventually(
      async () => resumed.received.length,
      (n) => n >= 2,
      'the missed messages',
    )
    await post(b, room, 'four')
    await eventually(
      async () => resumed.received.length,
      (n) => n >= 3,
      'a live message after the replay',
    )
    expect(resumed.received.map((m) => m.text)).toEqual(['two', 'three', 'four'])
  })
})
