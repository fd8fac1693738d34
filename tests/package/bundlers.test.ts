/**
 * Bundlers other than Next, from the packed tarball: a React page using the hook (from the root, as
 * the seed README does, and from `/react`) built by Vite and by plain esbuild; and the server entry
 * bundled for a Cloudflare Worker (esbuild, neutral platform, workerd conditions) in a fixture with
 * no React installed, which must hold no React and no client code, and which then streams in workerd;
 * and the Cloudflare entry's Durable Object channel bundled the same way and run in workerd.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { build, type Metafile } from 'esbuild'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  bin,
  CLIENT_MARKERS,
  checkMarkers,
  containsAny,
  createFixture,
  type Fixture,
  installedPackage,
  run,
  SERVER_MARKERS,
} from './helpers'

const fixtures: Fixture[] = []
afterAll(() => {
  for (const fixture of fixtures) fixture.remove()
})

/** The package files among the bundled modules, relative to the installed dist/; fails on any other copy. */
function packageFiles(fixture: Fixture, modules: string[]): string[] {
  const dist = join(installedPackage(fixture), 'dist')
  const ours = modules.filter((id) => /[\\/]use-next-sse[\\/]/.test(id))
  for (const id of ours) expect(id.startsWith(`${dist}/`), `${id} is not the installed tarball`).toBe(true)
  return ours.map((id) => id.slice(dist.length + 1)).sort()
}

const metafileInputs = (fixture: Fixture, metafile: Metafile) =>
  Object.keys(metafile.inputs).map((input) => join(fixture.dir, input))

describe('a React page using the hook', () => {
  let fixture: Fixture
  beforeAll(async () => {
    fixture = await createFixture('vite', inject('tarball'), {
      template: 'vite',
      link: ['react', 'react-dom', 'vite', '@vitejs/plugin-react'],
    })
    fixtures.push(fixture)
    checkMarkers(installedPackage(fixture))
  })

  it('builds with Vite, with the client code of the tarball and none of its server code', async () => {
    await run(bin('vite'), ['build'], { cwd: fixture.dir })
    const assets = readdirSync(fixture.path('dist/assets')).filter((file) => file.endsWith('.js'))
    const code = assets.map((file) => fixture.read('dist/assets', file)).join('\n')
    expect(containsAny(code, CLIENT_MARKERS)).toEqual(CLIENT_MARKERS)
    expect(containsAny(code, SERVER_MARKERS)).toEqual([])
    const files = packageFiles(fixture, JSON.parse(fixture.read('modules.json')) as string[])
    expect(files).toEqual(expect.arrayContaining(['client.js', 'react.js']))
    expect(files.filter((file) => /^(server|node|redis)\./.test(file))).toEqual([])
  })

  it('builds with esbuild, with the client code of the tarball and none of its server code', async () => {
    const result = await build({
      absWorkingDir: fixture.dir,
      entryPoints: ['src/main.tsx'],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      metafile: true,
      write: false,
      logLevel: 'silent',
    })
    const code = result.outputFiles[0]!.text
    expect(containsAny(code, CLIENT_MARKERS)).toEqual(CLIENT_MARKERS)
    expect(containsAny(code, SERVER_MARKERS)).toEqual([])
    // esbuild lists every module it read, including those tree-shaken away: the root entry reads
    // server.js, and `sideEffects: false` lets esbuild drop it (the markers above show it did).
    const files = packageFiles(fixture, metafileInputs(fixture, result.metafile))
    expect(files).toEqual(expect.arrayContaining(['client.js', 'react.js']))
    const kept = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]!]!.inputs)
      .filter(([input, { bytesInOutput }]) => /use-next-sse/.test(input) && bytesInOutput > 0)
      .map(([input]) => input.replace(/.*\/dist\//, ''))
      .sort()
    expect(kept.filter((file) => /^(server|node|redis)\./.test(file))).toEqual([])
  })
})

describe('the server entry in a Worker, with no React installed', () => {
  let fixture: Fixture
  let code = ''
  let metafile: Metafile
  beforeAll(async () => {
    fixture = await createFixture('worker', inject('tarball'), { template: 'worker' })
    fixtures.push(fixture)
    const result = await build({
      absWorkingDir: fixture.dir,
      entryPoints: ['worker.ts'],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker'],
      target: 'es2022',
      metafile: true,
      write: false,
      logLevel: 'silent',
    })
    code = result.outputFiles[0]!.text
    metafile = result.metafile
  })

  it('bundles only the tarball server code: no React, no hook or client code, no node: imports', () => {
    expect(code).not.toMatch(/(from|import|require)\s*\(?\s*["']react/)
    expect(code).not.toMatch(/["']node:/)
    expect(containsAny(code, CLIENT_MARKERS)).toEqual([])
    expect(containsAny(code, SERVER_MARKERS)).toEqual(SERVER_MARKERS)
    const files = packageFiles(fixture, metafileInputs(fixture, metafile))
    expect(files.filter((file) => !/^(server|core|node)\.js$/.test(file))).toEqual([])
  })

  it('streams in workerd', async () => {
    const mf = new Miniflare({
      modules: true,
      script: code,
      // As in wrangler.toml: without the flag workerd tells a handler nothing when the client leaves.
      compatibilityDate: '2026-04-26',
      compatibilityFlags: ['enable_request_signal'],
      cf: false,
    })
    try {
      const response = await mf.dispatchFetch('http://worker.test/hello')
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
      expect(await response.text()).toMatch(
        /event: greeting\ndata: \{"hello":"\/hello"\}\n\n(.|\n)*event: greeting\nid: 2\ndata: \{"bye":true\}\n\n$/,
      )
    } finally {
      await mf.dispose()
    }
  })
})

describe('the Cloudflare entry in a Worker, with no React installed', () => {
  let fixture: Fixture
  let code = ''
  let metafile: Metafile
  beforeAll(async () => {
    fixture = await createFixture('channel-worker', inject('tarball'), { template: 'worker' })
    fixtures.push(fixture)
    const result = await build({
      absWorkingDir: fixture.dir,
      entryPoints: ['channel-worker.ts'],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker'],
      target: 'es2022',
      // What wrangler does too: workerd provides its own modules.
      external: ['cloudflare:workers'],
      metafile: true,
      write: false,
      logLevel: 'silent',
    })
    code = result.outputFiles[0]!.text
    metafile = result.metafile
  })

  it('bundles the tarball cloudflare entry on the server code: no React, no client code, no node: imports', () => {
    expect(code).not.toMatch(/(from|import|require)\s*\(?\s*["']react/)
    expect(code).not.toMatch(/["']node:/)
    expect(containsAny(code, CLIENT_MARKERS)).toEqual([])
    const files = packageFiles(fixture, metafileInputs(fixture, metafile))
    expect(files.filter((file) => !/^(cloudflare|server|core|node)\.js$/.test(file))).toEqual([])
    expect(files).toContain('cloudflare.js')
  })

  it('publishes and streams through a SQLite-backed Durable Object in workerd', async () => {
    const mf = new Miniflare({
      modules: true,
      script: code,
      compatibilityDate: '2026-04-26',
      compatibilityFlags: ['enable_request_signal'],
      durableObjects: { CHANNELS: { className: 'ChannelObject', useSQLite: true } },
      cf: false,
    })
    try {
      const post = (text: string) =>
        mf.dispatchFetch('http://worker.test/rooms/lobby', { method: 'POST', body: JSON.stringify({ text }) })
      const { id } = (await (await post('first')).json()) as { id: string }
      expect(id).toMatch(/^[0-9a-z]+-1$/)
      // Resumed from before the first event: the history replays it, then the live one follows.
      const response = await mf.dispatchFetch('http://worker.test/rooms/lobby', {
        headers: { 'Last-Event-ID': id.replace(/-1$/, '-0') },
      })
      expect(response.headers.get('content-type')).toBe('text/event-stream')
      await post('second')
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let text = ''
      while (!text.includes('"second"')) {
        const { done, value } = await reader.read()
        if (done) break
        text += decoder.decode(value, { stream: true })
      }
      await reader.cancel()
      expect(text).toContain(`id: ${id}\nevent: message\ndata: {"text":"first"}\n\n`)
      expect(text).toMatch(/id: [0-9a-z]+-2\nevent: message\ndata: \{"text":"second"\}\n\n/)
    } finally {
      await mf.dispose()
    }
  })
})
