/**
 * The contract Worker (runtimes/workerd/worker.ts, bundled with esbuild: Miniflare compiles no
 * TypeScript) in workerd through Miniflare, with the compatibility settings of the top-level
 * wrangler.toml, served on a loopback port and consumed with fetch, so that client disconnects
 * travel through a real socket.
 */
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { expect } from 'vitest'
import { httpTarget } from '../contract/client'
import { runContract } from '../contract/scenarios'
import { withoutExpectedWarnings } from './stdio'

/** The few wrangler.toml settings Miniflare needs (a flat file: no TOML parser required). */
function wranglerSettings() {
  const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8')
  const value = (key: string) => new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm').exec(toml)?.[1]
  const strings = (text = '') => [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
  return {
    main: strings(value('main'))[0]!,
    compatibilityDate: strings(value('compatibility_date'))[0]!,
    compatibilityFlags: strings(value('compatibility_flags')),
    bindings: { CONTRACT_VAR: strings(value('CONTRACT_VAR'))[0]! },
  }
}

/*
 * workerd (2026-04-26, through Miniflare 4.20260426.0 and wrangler dev alike) notices that a client
 * went away only when it next writes to the socket: `request.signal` aborts at the next keep-alive,
 * not before. An idle stream's disconnect is seen after up to two keep-alive intervals.
 */
const seenAtNextWrite =
  'workerd notices a disconnect only at the next write (the next keep-alive, 15 s by default): see "client abort between keep-alives"'

runContract({
  name: 'workerd',
  skip: {
    'client abort of an idle stream runs cleanup exactly once': seenAtNextWrite,
    'client cancelling the body of an idle stream runs cleanup exactly once': seenAtNextWrite,
    // The library is told nothing (no abort, no cancel()): cleanup never runs, and `send` from another
    // request keeps returning true into the dead stream. Keep-alive must stay on in Workers.
    'a stream with keep-alive off stays open while idle and sees the disconnect':
      'workerd cancels a response with nothing pending in its own request at once, as "hung"',
  },
  // workerd writes its own connection-management headers and drops the handler's.
  connectionHeader: false,
  async start() {
    const { main, ...settings } = wranglerSettings()
    const bundle = await build({
      entryPoints: [new URL(`../../${main}`, import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      // The chat demo's Durable Object class (not bound here: its suite is channel-object.test.ts).
      external: ['cloudflare:workers'],
      write: false,
    })
    const mf = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
      ...settings,
      cf: false,
      host: '127.0.0.1',
      port: 0,
      handleRuntimeStdio: withoutExpectedWarnings,
    })
    const url = await mf.ready
    return { target: httpTarget(url.origin), stop: () => mf.dispose() }
  },
  args: (seen) =>
    expect(seen).toEqual([
      { type: 'object', keys: ['CONTRACT_VAR'] },
      expect.objectContaining({ type: 'object', waitUntil: 'function' }),
    ]),
})
