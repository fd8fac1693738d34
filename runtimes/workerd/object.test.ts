/**
 * The contract scenarios against streams held by a Durable Object (./object.ts: the contract app in a
 * SQLite-backed object behind a Worker that forwards every request), in workerd through Miniflare with
 * the compatibility settings of the top-level wrangler.toml. This is where a ChannelObject's subscribers
 * live: the object's `fetch` answers, and the stream crosses the Worker to the client.
 */
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { expect } from 'vitest'
import { httpTarget } from '../contract/client'
import { runContract } from '../contract/scenarios'
import { withoutExpectedWarnings } from './stdio'

function compatibility() {
  const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8')
  const strings = (key: string) =>
    [...(new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm').exec(toml)?.[1] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
  return { compatibilityDate: strings('compatibility_date')[0]!, compatibilityFlags: strings('compatibility_flags') }
}

const seenAtNextWrite =
  'workerd notices a disconnect only at the next write (the next keep-alive, 15 s by default): see "client abort between keep-alives"'

runContract({
  name: 'workerd (Durable Object)',
  skip: {
    'client abort of an idle stream runs cleanup exactly once': seenAtNextWrite,
    'client cancelling the body of an idle stream runs cleanup exactly once': seenAtNextWrite,
    'a stream with keep-alive off stays open while idle and sees the disconnect':
      'workerd tells the object nothing until it writes: with keep-alive off, an idle stream never learns the client left',
  },
  connectionHeader: false,
  async start() {
    const bundle = await build({
      entryPoints: [new URL('./object.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      external: ['cloudflare:workers'],
      write: false,
    })
    const mf = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
      ...compatibility(),
      bindings: { CONTRACT_VAR: 'workerd' },
      durableObjects: { CONTRACT: { className: 'ContractObject', useSQLite: true } },
      cf: false,
      host: '127.0.0.1',
      port: 0,
      handleRuntimeStdio: withoutExpectedWarnings,
    })
    const url = await mf.ready
    return { target: httpTarget(url.origin), stop: () => mf.dispose() }
  },
  // Inside the object, the handler's extra arguments are the object's env (every binding, its own
  // namespace included) and its state (ctx), which has waitUntil too.
  args: (seen) =>
    expect(seen).toEqual([
      { type: 'object', keys: ['CONTRACT', 'CONTRACT_VAR'] },
      expect.objectContaining({ type: 'object', waitUntil: 'function' }),
    ]),
})
