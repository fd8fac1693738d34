import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis'
import { afterAll, describe, expect, it } from 'vitest'
import { launch } from '../../runtimes/harness/browser'
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

const EVENTS = 300

/**
 * A deploy, for real (issue 20): one app process behind nginx, its channel on Redis, and a Chromium
 * page reading it with the built client's store (`useSSE`'s core) and `reconnect: true`. The app is
 * killed mid-stream and started again; meanwhile nginx answers 502. The page must ride it out by itself:
 * `connecting` with the 502 in `error` while the app is down, then open again, resuming with
 * Last-Event-ID, and end with every event exactly once, in order.
 */
describe('an app restart behind nginx', () => {
  it('a page with reconnect: true resumes by itself after the 502s, every event once', async () => {
    const redis = await startRedis()
    stops.push(() => redis.stop())
    const name = `restart-${Date.now()}`
    const port = await freePort()
    const start = async () => {
      const app = startGuarded(process.execPath, [join(here, 'fixtures/restart-app.mjs')], {
        env: { REDIS_URL: redis.url, PORT: String(port), CHANNEL: name },
      })
      stops.push(() => app.kill('SIGKILL'))
      await waitForHttp(`http://127.0.0.1:${port}/health`, app, 15_000)
      return app
    }
    let app: Guarded = await start()
    const nginx = await startNginx([port])
    stops.push(() => nginx.stop())

    const browser = await launch()
    stops.push(() => browser.close())
    const { page, problems } = await browser.open(`${nginx.url}/`)
    const read = () => page.evaluate(() => ({ got: [...(window as any).got], states: [...(window as any).states] }))

    const client = createClient({ url: redis.url })
    client.on('error', () => {})
    await client.connect()
    stops.push(() => client.destroy())
    const backplane = createRedisBackplane({ client: client as unknown as RedisClientLike })
    stops.push(() => backplane.close())
    const publisher = createChannel<number>({ name, backplane, maxEvents: 100_000 })
    // Until the app's subscription is positioned, a fresh (non-resuming) client can miss what is
    // published: warm up until the page has seen an event.
    await until(
      async () => {
        await publisher.publish(0)
        return (await read()).got.length > 0
      },
      'warm-up',
      15_000,
    )

    const publish = async (from: number, to: number) => {
      for (let n = from; n <= to; n++) {
        await publisher.publish(n)
        await new Promise((resolve) => setTimeout(resolve, 3))
      }
    }
    await publish(1, 100)
    await until(async () => (await read()).got.includes(100), 'the first 100 events', 15_000)
    await app.kill('SIGKILL')
    await publish(101, 200)
    await until(async () => (await read()).states.includes('connecting:502'), 'a 502 from nginx', 15_000)
    app = await start()
    await publish(201, EVENTS)
    await until(async () => (await read()).got.includes(EVENTS), 'every event', 30_000)
    await new Promise((resolve) => setTimeout(resolve, 200)) // a duplicate would arrive now

    const { got, states } = await read()
    expect(got.filter((n: number) => n > 0)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1))
    expect(states).toContain('connecting:502')
    expect(states.at(-1)).toBe('open:')
    expect(states).not.toContain('closed:MAX_ATTEMPTS')
    // Chromium logs each failed load: the 502s, and the stream cut when the app died.
    console.log('restart:', JSON.stringify({ events: EVENTS, states, problems }))
    expect(problems.filter((p) => !/status of 502|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(p))).toEqual([])
  }, 120_000)
})
