/*
 * Fan-out of one event to N subscribers inside a ChannelObject (a Durable Object in workerd, through
 * Miniflare), against the memory channel in Node in the same run: the same library code (createChannel
 * and createSSEHandler, every body read by a reader in the same isolate), hosted two ways.
 *
 *   node bench/cloudflare.mjs [--subscribers=1000] [--events=50] [--rounds=5]
 *
 * workerd's clock stands still while JavaScript runs (it advances on I/O), so the object cannot time
 * itself: Node times each request to the Worker, and the cost of the request is measured with no
 * subscriber and subtracted. Run `npm run build` first (it bundles dist/ by self-reference).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { createChannel, createSSEHandler } from 'use-next-sse/server'

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const SUBSCRIBERS = arg('subscribers', 1000)
const EVENTS = arg('events', 50)
const ROUNDS = arg('rounds', 5)

/** Opens `n` streams with `open()` and reads each to the end; `wait(k)` resolves once all got k events. */
const FANOUT = `
function readers(open, n) {
  const counts = new Array(n).fill(0)
  let waiting = null
  const check = () => { if (waiting && counts.every((c) => c >= waiting.k)) { const w = waiting; waiting = null; w.resolve() } }
  const first = []
  for (let i = 0; i < n; i++) {
    const reader = open().body.getReader()
    const decoder = new TextDecoder()
    let flushed
    first.push(new Promise((r) => (flushed = r)))
    const pump = ({ done, value }) => {
      if (done) return
      flushed()
      counts[i] += (decoder.decode(value, { stream: true }).match(/\\nid: |^id: /g) ?? []).length
      check()
      reader.read().then(pump)
    }
    reader.read().then(pump)
  }
  return {
    ready: Promise.all(first),
    wait(k) { return new Promise((resolve) => { waiting = { k, resolve }; check() }) },
  }
}
`

const WORKER = `
import { ChannelObject } from 'use-next-sse/cloudflare'
${FANOUT}
export class Bench extends ChannelObject {
  options = { maxEvents: 100000, sse: { keepAlive: false } }
  group = null
  sent = 0
  async setup(n) {
    this.group = readers(() => this.fetch(new Request('http://bench/')), n)
    await this.group.ready
  }
  async run(k) {
    for (let i = 0; i < k; i++) await this.publish({ i, text: 'x'.repeat(64) })
    this.sent += k
    if (this.group) await this.group.wait(this.sent)
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const stub = env.BENCH.get(env.BENCH.idFromName(url.searchParams.get('room')))
    const n = Number(url.searchParams.get('n'))
    if (url.pathname === '/setup') await stub.setup(n)
    else await stub.run(n)
    return new Response('ok')
  },
}
`

async function workerd() {
  const { outputFiles } = await build({
    stdin: { contents: WORKER, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['cloudflare:workers'],
    write: false,
  })
  const persist = mkdtempSync(join(tmpdir(), 'use-next-sse-bench-'))
  const mf = new Miniflare({
    modules: true,
    script: outputFiles[0].text,
    compatibilityDate: '2026-04-26',
    compatibilityFlags: ['enable_request_signal'],
    durableObjects: { BENCH: { className: 'Bench', useSQLite: true } },
    durableObjectsPersist: persist,
    cf: false,
  })
  const call = async (path, room, n) => {
    const t = performance.now()
    const response = await mf.dispatchFetch(`http://bench${path}?room=${room}&n=${n}`)
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`)
    await response.text()
    return performance.now() - t
  }
  try {
    await call('/setup', 'full', SUBSCRIBERS)
    await call('/setup', 'empty', 0)
    await call('/run', 'full', EVENTS) // warm-up
    await call('/run', 'empty', EVENTS)
    const per = []
    for (let r = 0; r < ROUNDS; r++) {
      const full = await call('/run', 'full', EVENTS)
      const empty = await call('/run', 'empty', EVENTS)
      per.push(Math.max(0, full - empty) / EVENTS)
    }
    return per
  } finally {
    await mf.dispose()
    rmSync(persist, { recursive: true, force: true })
  }
}

async function node() {
  const run = async (n) => {
    const channel = createChannel({ name: `bench-${Math.random()}`, maxEvents: 100000 })
    const handler = createSSEHandler((_s, _c, context) => channel.attach(context), { keepAlive: false })
    const readers = new Function(`${FANOUT}; return readers`)()
    const group = readers(() => handler(new Request('http://bench/')), n)
    await group.ready
    let sent = 0
    const round = async () => {
      const t = performance.now()
      for (let i = 0; i < EVENTS; i++) await channel.publish({ i, text: 'x'.repeat(64) })
      sent += EVENTS
      await group.wait(sent)
      return performance.now() - t
    }
    return round
  }
  const full = await run(SUBSCRIBERS)
  const empty = await run(0)
  await full()
  await empty()
  const per = []
  for (let r = 0; r < ROUNDS; r++) per.push(Math.max(0, (await full()) - (await empty())) / EVENTS)
  return per
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const inNode = median(await node())
const inObject = median(await workerd())
console.log(
  `One event to ${SUBSCRIBERS} subscribers, fan-out only (the same publishes with no subscriber subtracted), median of ${ROUNDS} rounds of ${EVENTS} events:`,
)
console.log(`  memory channel in Node:        ${inNode.toFixed(3)} ms`)
console.log(`  ChannelObject in workerd:      ${inObject.toFixed(3)} ms`)
console.log(`  ratio workerd / Node:          ${(inObject / inNode).toFixed(2)}`)
