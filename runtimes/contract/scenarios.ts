/**
 * The contract: one list of scenarios that every runtime under runtimes/ runs against its own copy of
 * the contract app (./app.ts). A runtime that cannot run a scenario says so in its `skip` map, with the
 * reason, and the skip shows in the test title.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { poll } from '../harness/poll'
import { ALLOWED_ORIGIN, type ArgSummary, type ConnectionLog, PRECEDENCE } from './app'
import { closeAll, open, type Stream, type Target } from './client'

export interface Runtime {
  name: string
  /** Starts the runtime (server, VM, Miniflare); `stop` must release every process and port. */
  start(): Promise<{ target: Target; stop(): Promise<void> }>
  /**
   * Whether `Connection: keep-alive` reaches the client. It is a hop-by-hop header: an HTTP server
   * may own it (workerd drops the handler's), so it is only checked where it survives.
   */
  connectionHeader: boolean
  /** Checks what the callback saw as `context.args` (the runtime's extra handler arguments). */
  args(seen: ArgSummary[]): void
  /** Scenario name → why this runtime cannot run it. */
  skip?: Record<string, string>
}

interface Context {
  target: Target
  /** This test's connection id; `id('b')` gives a second one. */
  id: (suffix?: string) => string
  runtime: Runtime
}

interface Scenario {
  name: string
  run(context: Context): Promise<void>
}

const logOf = (target: Target, id: string) => target.json<ConnectionLog | null>('log', { id })

/** Waits until the server logged `count` cleanups, then checks that no other one follows. */
async function cleanupsOf(target: Target, id: string, count = 1): Promise<ConnectionLog> {
  await poll(
    () => logOf(target, id),
    (log) => (log?.cleanups.length ?? 0) >= count,
    `${count} cleanup(s) for ${id}`,
  )
  // "Exactly once" cannot be proven by waiting, only made likely: look again a few times.
  let log: ConnectionLog | null = null
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 60))
    log = await logOf(target, id)
    expect(log?.cleanups).toHaveLength(count)
  }
  return log!
}

const data = (s: Stream) => s.events.map((e) => JSON.parse(e.data))

async function disconnectRunsCleanupOnce(
  { target, id }: Context,
  route: string,
  how: 'abort' | 'cancel',
  cleanup = 'returned',
): Promise<ConnectionLog> {
  const stream = await open(target, route, { id: id() })
  await stream.commentCount(1)
  if (how === 'abort') stream.abort()
  else await stream.cancel()
  const log = await cleanupsOf(target, id())
  expect(log.cleanups).toEqual([cleanup])
  return log
}

export const scenarios: Scenario[] = [
  {
    name: 'headers: defaults',
    async run({ target, id, runtime }) {
      const stream = await open(target, 'idle', { id: id() })
      const res = stream.response
      expect(res.status).toBe(200)
      expect(res.header('content-type')).toBe('text/event-stream')
      expect(res.header('cache-control')).toBe('no-cache, no-transform')
      expect(res.header('x-accel-buffering')).toBe('no')
      if (runtime.connectionHeader) expect(res.header('connection')?.toLowerCase()).toBe('keep-alive')
    },
  },
  {
    name: 'headers: status and headers options',
    async run({ target, id }) {
      const stream = await open(target, 'custom', { id: id() })
      expect(stream.response.status).toBe(203)
      expect(stream.response.header('x-contract')).toBe('custom')
      expect(stream.response.header('cache-control')).toBe('no-store')
      expect(stream.response.header('content-type')).toBe('text/event-stream')
      await stream.toEnd()
      expect(data(stream)).toEqual(['hello'])
    },
  },
  {
    name: 'first flush: a comment arrives before any event',
    async run({ target, id }) {
      // `idle` never sends an event: whatever arrives was flushed on its own.
      const stream = await open(target, 'idle', { id: id() })
      await stream.commentCount(1)
      expect(stream.text).toBe(':\n\n')
      expect(stream.events).toEqual([])
    },
  },
  {
    name: 'first flush: the retry option is sent first',
    async run({ target, id }) {
      const stream = await open(target, 'retry', { id: id() })
      await stream.until((s) => s.retries.length > 0, 'the retry field')
      expect(stream.text).toBe('retry: 2500\n\n')
      expect(stream.retries).toEqual([2500])
    },
  },
  {
    name: 'events arrive in order and incrementally',
    async run({ target, id }) {
      // The server sends event n+1 only after the client acknowledged event n through another
      // request, so event n must have reached the client while the stream was still open.
      const stream = await open(target, 'incremental', { id: id() })
      for (const n of [1, 2]) {
        await stream.eventCount(n)
        expect((await logOf(target, id()))?.sends[`event ${n + 1}`]).toBeUndefined()
        await target.json('ack', { id: id(), n: String(n) })
      }
      await stream.toEnd()
      expect(stream.events.map((e) => [e.event, e.data])).toEqual([
        ['step', '{"n":1}'],
        ['step', '{"n":2}'],
        ['step', '{"n":3}'],
      ])
    },
  },
  {
    name: 'a burst and later events arrive complete and in order',
    async run({ target, id }) {
      const stream = await open(target, 'order', { id: id() })
      await stream.toEnd()
      const expected = Array.from({ length: 200 }, (_, i) => String(i + 1))
      expect(stream.events.map((e) => e.id)).toEqual(expected)
      expect(stream.events.map((e) => JSON.parse(e.data).n)).toEqual(expected.map(Number))
      expect(new Set(stream.events.map((e) => e.event))).toEqual(new Set(['seq']))
    },
  },
  {
    name: 'wire format: exact bytes; close() ends the body; send after close returns false',
    async run({ target, id }) {
      const stream = await open(target, 'wire', { id: id() })
      await stream.toEnd()
      expect(stream.text).toBe(
        ':\n\n' +
          'data: {"a":1}\n\n' +
          'event: greeting\ndata: "named"\n\n' +
          'event: full\nid: 7\nretry: 3000\ndata: [1,2]\n\n' +
          'data: l1\ndata: l2\ndata: l3\ndata: l4\n\n' +
          ': note\n\n' +
          'data: \n\n' +
          'data: "ünïcødé ✓"\n\n',
      )
      expect(stream.events.map((e) => e.data)).toEqual([
        '{"a":1}',
        '"named"',
        '[1,2]',
        'l1\nl2\nl3\nl4',
        '',
        '"ünïcødé ✓"',
      ])
      const log = await cleanupsOf(target, id())
      expect(log.sends).toEqual({ 'after close': false, 'sendEvent after close': false })
      expect(log.errors).toEqual([])
    },
  },
  {
    name: 'close() in a later tick delivers everything sent before it',
    async run({ target, id }) {
      const stream = await open(target, 'close-late', { id: id() })
      await stream.toEnd()
      expect(data(stream)).toEqual([1, 2, 3])
      const log = await cleanupsOf(target, id())
      expect(log.sends).toEqual({ 'after close': false })
    },
  },
  {
    name: 'client abort of an idle stream runs cleanup exactly once',
    async run(context) {
      const log = await disconnectRunsCleanupOnce(context, 'idle', 'abort')
      expect(log.aborted).toBe(true)
    },
  },
  {
    name: 'client cancelling the body of an idle stream runs cleanup exactly once',
    async run(context) {
      const log = await disconnectRunsCleanupOnce(context, 'idle', 'cancel')
      expect(log.aborted).toBe(true)
    },
  },
  {
    name: 'client abort between keep-alives runs cleanup exactly once',
    async run(context) {
      const log = await disconnectRunsCleanupOnce(context, 'keep-alive', 'abort')
      expect(log.aborted).toBe(true)
    },
  },
  {
    name: 'disconnect during writes runs cleanup exactly once; send then returns false',
    async run({ target, id }) {
      const stream = await open(target, 'ticking', { id: id() })
      await stream.eventCount(3)
      await stream.cancel()
      const log = await cleanupsOf(target, id())
      expect(log.cleanups).toEqual(['returned'])
      expect(log.sends).toEqual({ 'in cleanup': false })
      expect(log.errors).toEqual([])
    },
  },
  ...Object.entries(PRECEDENCE).map(
    ([order, winner]): Scenario => ({
      name: `onClose precedence: ${order} → ${winner} runs, alone`,
      async run({ target, id }) {
        const stream = await open(target, 'precedence', { id: id(), case: order })
        await stream.toEnd()
        const log = await cleanupsOf(target, id())
        expect(log.cleanups).toEqual([winner])
        expect(log.errors).toEqual([])
      },
    }),
  ),
  {
    name: 'a destructor returned after the client left runs at once',
    async run(context) {
      const log = await disconnectRunsCleanupOnce(context, 'late-destructor', 'abort', 'late')
      expect(log.sends).toEqual({ 'after disconnect': false })
    },
  },
  {
    name: 'an async cleanup runs to its end after the client left',
    async run(context) {
      await disconnectRunsCleanupOnce(context, 'async-cleanup', 'abort', 'async')
      await poll(
        () => logOf(context.target, context.id()),
        (log) => log?.finished === true,
        'the async cleanup to finish',
      )
    },
  },
  {
    name: 'HEAD gets the headers of a stream, no body, and never runs the callback',
    async run({ target, id }) {
      const head = await open(target, 'idle', { id: id() }, {}, 'HEAD')
      expect(head.response.status).toBe(200)
      expect(head.response.header('content-type')).toBe('text/event-stream')
      await head.toEnd()
      expect(head.text).toBe('')
      expect((await logOf(target, id()))?.callbacks).toBeUndefined()
    },
  },
  {
    name: 'OPTIONS gets 204 with Allow, never a stream, and never runs the callback',
    async run({ target, id }) {
      const options = await open(target, 'idle', { id: id() }, {}, 'OPTIONS')
      expect(options.response.status).toBe(204)
      expect(options.response.header('allow')).toContain('GET')
      expect(options.response.header('content-type')).not.toBe('text/event-stream')
      await options.toEnd()
      expect((await logOf(target, id()))?.callbacks).toBeUndefined()
    },
  },
  {
    name: 'cors: a preflight from an allowed origin gets 204 with the Access-Control headers',
    async run({ target, id }) {
      const preflight = await open(
        target,
        'cors',
        { id: id() },
        {
          Origin: ALLOWED_ORIGIN,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
        'OPTIONS',
      )
      expect(preflight.response.status).toBe(204)
      expect(preflight.response.header('access-control-allow-origin')).toBe(ALLOWED_ORIGIN)
      expect(preflight.response.header('access-control-allow-credentials')).toBe('true')
      const allowed = preflight.response.header('access-control-allow-headers')?.toLowerCase().split(/,\s*/)
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'last-event-id']))
      await preflight.toEnd()
      expect((await logOf(target, id()))?.callbacks).toBeUndefined()
    },
  },
  {
    name: 'cors: an allowed origin streams with its headers; a refused one gets 403 and no callback',
    async run({ target, id }) {
      const allowed = await open(target, 'cors', { id: id('allowed') }, { Origin: ALLOWED_ORIGIN })
      expect(allowed.response.status).toBe(200)
      expect(allowed.response.header('access-control-allow-origin')).toBe(ALLOWED_ORIGIN)
      expect(allowed.response.header('vary')).toMatch(/origin/i)
      await allowed.toEnd()
      expect(data(allowed)).toEqual(['hello'])
      const refused = await open(target, 'cors', { id: id('refused') }, { Origin: 'https://evil.example' })
      expect(refused.response.status).toBe(403)
      expect(refused.response.header('access-control-allow-origin')).toBeNull()
      await refused.toEnd()
      expect(refused.text).toBe('')
      expect((await logOf(target, id('refused')))?.callbacks).toBeUndefined()
    },
  },
  {
    name: 'Last-Event-ID reaches context.lastEventId',
    async run({ target, id }) {
      const resumed = await open(target, 'last-event-id', { id: id('resumed') }, { 'Last-Event-ID': 'evt-41' })
      await resumed.toEnd()
      expect(data(resumed)).toEqual([{ lastEventId: 'evt-41' }])
      expect((await logOf(target, id('resumed')))?.lastEventId).toBe('evt-41')
      const fresh = await open(target, 'last-event-id', { id: id('fresh') })
      await fresh.toEnd()
      expect(data(fresh)).toEqual([{ lastEventId: null }])
    },
  },
  {
    name: 'bad input is refused with a TypeError; nothing is written; the stream stays usable',
    async run({ target, id }) {
      const stream = await open(target, 'bad-input', { id: id() })
      await stream.toEnd()
      expect(stream.text).toBe(':\n\ndata: "still usable"\n\n')
      const log = await cleanupsOf(target, id())
      expect(log.sends).toEqual({
        'event CR/LF': false,
        'event CR': false,
        'id LF': false,
        'id NUL': false,
        circular: false,
        bigint: false,
        'raw event CR/LF': false,
        ok: true,
      })
      expect(log.errors.map((e) => e.name)).toEqual(Array(7).fill('TypeError'))
      const fields = log.errors.map((e) => /"(event|id)"|JSON/.exec(e.message)?.[0])
      expect(fields).toEqual(['"event"', '"event"', '"id"', '"id"', 'JSON', 'JSON', '"event"'])
    },
  },
  ...(['sync', 'async'] as const).map(
    (kind): Scenario => ({
      name: `a callback that ${kind === 'sync' ? 'throws' : 'rejects'} closes the stream and runs cleanup once`,
      async run({ target, id }) {
        const stream = await open(target, `throw-${kind}`, { id: id() })
        await stream.toEnd()
        expect(data(stream)).toEqual(['before'])
        const log = await cleanupsOf(target, id())
        expect(log.cleanups).toEqual(['onClose'])
        expect(log.errors).toEqual([
          {
            name: 'SSEError',
            code: 'CALLBACK_FAILED',
            message: 'The SSE callback threw; the stream was closed.',
            cause: `boom (${kind})`,
          },
        ])
        // The server is still serving.
        const next = await open(target, 'custom', { id: id('after') })
        await next.toEnd()
        expect(data(next)).toEqual(['hello'])
      },
    }),
  ),
  {
    name: 'keep-alive comments arrive on an idle stream',
    async run({ target, id }) {
      const stream = await open(target, 'keep-alive', { id: id() })
      await stream.commentCount(3)
      expect(stream.text).toMatch(/^(:\n\n){3,}$/)
    },
  },
  {
    name: 'keep-alive outlives the connection that started the timer',
    async run({ target, id }) {
      const first = await open(target, 'keep-alive', { id: id('first') })
      await first.commentCount(2)
      const second = await open(target, 'keep-alive', { id: id('second') })
      await second.commentCount(2)
      await first.cancel()
      await cleanupsOf(target, id('first'))
      const seen = second.comments.length
      await second.commentCount(seen + 2)
    },
  },
  {
    name: 'keep-alive restarts for a connection opened after the last one closed',
    async run({ target, id }) {
      const first = await open(target, 'keep-alive', { id: id('first') })
      await first.commentCount(2)
      await first.cancel()
      await cleanupsOf(target, id('first'))
      const second = await open(target, 'keep-alive', { id: id('second') })
      await second.commentCount(3)
    },
  },
  {
    name: 'a write from another request reaches open connections',
    async run({ target, id }) {
      const group = id('group')
      const a = await open(target, 'listen', { id: id('a'), group })
      const b = await open(target, 'listen', { id: id('b'), group })
      await Promise.all([a.commentCount(1), b.commentCount(1)])
      expect(await target.json('broadcast', { group })).toEqual({ [id('a')]: true, [id('b')]: true })
      await Promise.all([a.eventCount(1), b.eventCount(1)])
      expect(a.events.map((e) => [e.event, e.data])).toEqual([['broadcast', JSON.stringify({ to: id('a') })]])
      expect(b.events.map((e) => [e.event, e.data])).toEqual([['broadcast', JSON.stringify({ to: id('b') })]])
    },
  },
  {
    name: 'a stream with keep-alive off stays open while idle and sees the disconnect',
    async run({ target, id }) {
      const group = id('group')
      const stream = await open(target, 'listen', { id: id(), group, quiet: '' })
      await stream.commentCount(1)
      expect(await target.json('broadcast', { group })).toEqual({ [id()]: true })
      await stream.eventCount(1)
      await stream.cancel()
      expect((await cleanupsOf(target, id())).cleanups).toEqual(['returned'])
    },
  },
  {
    name: 'a close() from another request ends those connections and runs their cleanup',
    async run({ target, id }) {
      const group = id('group')
      const a = await open(target, 'listen', { id: id('a'), group })
      const b = await open(target, 'listen', { id: id('b'), group })
      await Promise.all([a.commentCount(1), b.commentCount(1)])
      expect(await target.json('broadcast', { group, close: '' })).toEqual({ [id('a')]: true, [id('b')]: true })
      // Each body ends after the event sent just before close().
      await Promise.all([a.toEnd(), b.toEnd()])
      expect([a.events.length, b.events.length]).toEqual([1, 1])
      for (const member of [id('a'), id('b')]) {
        expect((await cleanupsOf(target, member)).cleanups).toEqual(['returned'])
        await poll(
          () => logOf(target, member),
          (log) => log?.finished === true,
          `the async cleanup of ${member}`,
        )
      }
    },
  },
  {
    name: 'extra handler arguments reach context.args',
    async run({ target, id, runtime }) {
      const stream = await open(target, 'args', { id: id() })
      await stream.toEnd()
      const [seen] = data(stream) as [ArgSummary[]]
      runtime.args(seen)
      expect((await logOf(target, id()))?.args).toEqual(seen)
    },
  },
]

/**
 * Opens `count` streams on `route`, waits for each one's first flush, then has every client leave in
 * the same turn (`how`), and checks that each connection ran its cleanup exactly once. A runtime that
 * loses disconnects under a burst (issue 14 reported it of Deno) fails here, where one at a time passes.
 *
 * @example
 * ```ts
 * test('twenty clients leave at once', () => leaveTogether(target, 'deno-burst-1', 20, 'abort'))
 * ```
 */
export async function leaveTogether(
  target: Target,
  prefix: string,
  count: number,
  how: 'abort' | 'cancel',
  route = 'idle',
): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`)
  const streams = await Promise.all(ids.map((id) => open(target, route, { id })))
  await Promise.all(streams.map((s) => s.commentCount(1)))
  await Promise.all(streams.map((s) => (how === 'abort' ? s.abort() : s.cancel())))
  const logs = await Promise.all(ids.map((id) => cleanupsOf(target, id)))
  expect(logs.map((log) => log.cleanups)).toEqual(ids.map(() => ['returned']))
}

let counter = 0

/** The warning the precedence scenarios provoke on purpose; dropped from the output as noise. */
export const EXPECTED_WARNING = 'the first one registered wins'

function quietExpectedWarnings(): () => void {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes(EXPECTED_WARNING)) warn(...args)
  }
  return () => {
    console.warn = warn
  }
}

/** Registers the whole scenario list for one runtime. */
export function runContract(runtime: Runtime): void {
  const names = new Set(scenarios.map((s) => s.name))
  for (const name of Object.keys(runtime.skip ?? {})) {
    if (!names.has(name)) throw new Error(`${runtime.name} skips "${name}", which is not a scenario.`)
  }
  describe(`contract: ${runtime.name}`, () => {
    let started: Awaited<ReturnType<Runtime['start']>> | undefined
    let restore = () => {}
    beforeAll(async () => {
      restore = quietExpectedWarnings()
      started = await runtime.start()
    }, 180_000)
    afterAll(async () => {
      restore()
      await closeAll()
      await started?.stop()
    }, 30_000)
    afterEach(closeAll)

    for (const scenario of scenarios) {
      const reason = runtime.skip?.[scenario.name]
      if (reason !== undefined) {
        // The matrix's one skip mechanism: a scenario a runtime cannot pass is listed in that runtime's
        // `skip` map with its reason (e.g. workerd sees a disconnect only at the next write), and the reason
        // is printed in the title, so every skip says why where it is reported.
        test.skip(`${scenario.name} [skipped: ${reason}]`, () => {}) // reason: `runtime.skip[scenario.name]`, above
        continue
      }
      test(scenario.name, async () => {
        const base = `${runtime.name}-${++counter}-${Math.random().toString(36).slice(2, 8)}`
        await scenario.run({
          target: started!.target,
          runtime,
          id: (suffix) => (suffix === undefined ? base : `${base}-${suffix}`),
        })
      }, 40_000)
    }
  })
}
