import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis'
import { EventSource } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { until } from '../../runtimes/harness/poll'
import { freePort, type Guarded, startGuarded, startRedis, waitForHttp } from '../../runtimes/harness/process'
import { createChannel } from '../../src/channels'
import { createRedisBackplane, type RedisClientLike } from '../../src/channels/redis'
import { startNginx } from '../helpers/nginx'

const here = dirname(fileURLToPath(import.meta.url))
const stops: (() => Promise<unknown> | unknown)[] = []
afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})

const CLIENTS = 8
const EVENTS = 600
const KILL_AT = 200

/**
 * Two instances of one app behind nginx share a channel through Redis. A publisher writes numbered
 * events every few ms; half-way, one instance is killed with SIGKILL. Its clients reconnect through
 * nginx to the survivor with Last-Event-ID and must end with every event exactly once, in order.
 */
describe('failover behind a load balancer', () => {
  it('every client gets every event exactly once, in order, when an instance is killed mid-stream', async () => {
    const redis = await startRedis()
    stops.push(() => redis.stop())
    const channel = `failover-${Date.now()}`
    const ports = [await freePort(), await freePort()]
    const instances: Guarded[] = []
    for (const [i, port] of ports.entries()) {
      const proc = startGuarded(process.execPath, [join(here, 'fixtures/instance.mjs')], {
        env: { REDIS_URL: redis.url, PORT: String(port), INSTANCE: `i${i + 1}`, CHANNEL: channel },
      })
      instances.push(proc)
      stops.push(() => proc.kill('SIGKILL'))
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc, 15_000)
    }
    const nginx = await startNginx(ports)
    stops.push(() => nginx.stop())

    // The clients: a conformant third-party EventSource (undici), reconnecting as the spec says.
    const received: number[][] = []
    const servedBy: string[][] = []
    const sources: EventSource[] = []
    let reconnects = 0
    for (let c = 0; c < CLIENTS; c++) {
      const numbers: number[] = []
      const hellos: string[] = []
      received.push(numbers)
      servedBy.push(hellos)
      const source = new EventSource(`${nginx.url}/events`)
      source.addEventListener('message', (e) => {
        const value = JSON.parse((e as unknown as { data: string }).data) as number
        if (value > 0) numbers.push(value) // 0 is the warm-up event
      })
      source.addEventListener('hello', (e) => {
        const hello = JSON.parse((e as unknown as { data: string }).data) as {
          instance: string
          lastEventId: string | null
        }
        if (hello.lastEventId !== null) reconnects++
        hellos.push(hello.instance)
      })
      sources.push(source)
    }
    stops.push(() => {
      for (const source of sources) source.close()
    })
    await until(() => servedBy.every((h) => h.length > 0), 'all clients connected', 15_000)
    expect(new Set(servedBy.map((h) => h[0])).size).toBe(2) // round robin used both instances

    const client = createClient({ url: redis.url })
    client.on('error', () => {})
    await client.connect()
    stops.push(() => client.destroy())
    const backplane = createRedisBackplane({ client: client as unknown as RedisClientLike })
    stops.push(() => backplane.close())
    const publisher = createChannel<number>({ name: channel, backplane, maxEvents: 100_000 })

    // Until each instance's subscription is positioned, a fresh (non-resuming) client can miss what is
    // published: warm up until every client has seen an event.
    const seen: boolean[] = new Array(CLIENTS).fill(false)
    for (const [i, source] of sources.entries()) {
      source.addEventListener('message', () => {
        seen[i] = true
      })
    }
    await until(
      async () => {
        await publisher.publish(0)
        return seen.every(Boolean)
      },
      'warm-up',
      15_000,
    )

    const victims = servedBy.filter((h) => h[0] === 'i1').length
    for (let n = 1; n <= EVENTS; n++) {
      if (n === KILL_AT) await instances[0]!.kill('SIGKILL')
      await publisher.publish(n)
      await new Promise((r) => setTimeout(r, 3))
    }
    await until(() => received.every((r) => r.length >= EVENTS), 'every client to catch up', 30_000)
    await new Promise((r) => setTimeout(r, 200)) // anything extra (a duplicate) would arrive now

    const expected = Array.from({ length: EVENTS }, (_, i) => i + 1)
    let duplicates = 0
    let losses = 0
    for (const numbers of received) {
      duplicates += numbers.length - new Set(numbers).size
      losses += expected.filter((n) => !numbers.includes(n)).length
      expect(numbers).toEqual(expected)
    }
    expect(reconnects).toBeGreaterThanOrEqual(victims)
    expect(servedBy.filter((h) => h[0] === 'i1').every((h) => h.at(-1) === 'i2')).toBe(true)

    const summary = {
      clients: CLIENTS,
      events: EVENTS,
      killedAt: KILL_AT,
      moved: victims,
      reconnects,
      duplicates,
      losses,
    }
    const out = join(here, '../../test-results/failover.json')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`)
    console.log('failover:', JSON.stringify(summary))
  }, 120_000)
})
