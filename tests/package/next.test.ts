/**
 * Next.js 16 (Turbopack) with the packed tarball: one fixture app (tests/package/fixtures/next) holding
 * the App Router (a server component, two client components with the hook, node and edge routes) and
 * the Pages Router (a page with the hook, node and edge API routes), importing from the root exactly
 * as the seed README does and from the subpaths. One `next build` (with Next's own type-check of the
 * fixture against the installed types), one `next start`, then: every route streams and runs its
 * cleanup when the client leaves, the route bundles hold no client code, and the pages render and
 * count in headless Chromium.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Browser, launch, waitForText } from '../../runtimes/harness/browser'
import { until } from '../../runtimes/harness/poll'
import { type Guarded, startOnFreePorts, waitForHttp } from '../../runtimes/harness/process'
import {
  bin,
  CLIENT_MARKERS,
  checkMarkers,
  commonAncestor,
  containsAny,
  createFixture,
  type Fixture,
  installedPackage,
  pinned,
  quietEnv,
  readEvents,
  repoModulesReal,
  run,
  SERVER_MARKERS,
} from './helpers'

/** Every route of the fixture: where it lives, how it imports the package, and its runtime. */
const ROUTES = [
  { name: 'app-root-node', router: 'app', from: 'use-next-sse', runtime: 'nodejs' },
  { name: 'app-root-edge', router: 'app', from: 'use-next-sse', runtime: 'edge' },
  { name: 'app-sub-node', router: 'app', from: 'use-next-sse/server', runtime: 'nodejs' },
  { name: 'app-sub-edge', router: 'app', from: 'use-next-sse/server', runtime: 'edge' },
  { name: 'pages-root-node', router: 'pages', from: 'use-next-sse', runtime: 'nodejs' },
  { name: 'pages-root-edge', router: 'pages', from: 'use-next-sse', runtime: 'edge' },
  { name: 'pages-sub-node', router: 'pages', from: 'use-next-sse/server', runtime: 'nodejs' },
  { name: 'pages-sub-edge', router: 'pages', from: 'use-next-sse/server', runtime: 'edge' },
] as const
type Route = (typeof ROUTES)[number]

let fixture: Fixture | undefined
let server: Guarded | undefined
let base = ''
let turbopackRoot = '/'

beforeAll(async () => {
  fixture = await createFixture('next', inject('tarball'), {
    template: 'next',
    link: ['next', 'react', 'react-dom', 'typescript', '@types/react', '@types/react-dom', '@types/node'],
    // Declared as an app would: Next installs @types/* itself (and writes a second lockfile) otherwise.
    packageJson: {
      dependencies: pinned('next', 'react', 'react-dom'),
      devDependencies: pinned('typescript', '@types/react', '@types/react-dom', '@types/node'),
    },
  })
  // Turbopack compiles only files under its root, and the symlinked Next and React live in the
  // repository's node_modules: the root must contain both (in an app with its own install, it is the app).
  turbopackRoot = commonAncestor(fixture.dir, repoModulesReal())
  writeFileSync(
    fixture.path('next.config.mjs'),
    `export default { turbopack: { root: ${JSON.stringify(turbopackRoot)} } }\n`,
  )
  await run(bin('next'), ['build'], { cwd: fixture.dir })
  const started = await startOnFreePorts(bin('next'), {
    args: ([port]) => ['start', '--port', String(port), '--hostname', '127.0.0.1'],
    ready: (server, url) => waitForHttp(`${url}/pages-counter`, server),
    cwd: fixture.dir,
    env: quietEnv,
  })
  server = started.server
  base = started.url
})

afterAll(async () => {
  await server?.kill()
  fixture?.remove()
})

const dotNext = (...parts: string[]) => join(fixture!.dir, '.next', ...parts)
const readJson = <T>(...parts: string[]) => JSON.parse(readFileSync(dotNext(...parts), 'utf8')) as T

/**
 * The server output files of one route, relative to .next/: the edge function's files from the
 * middleware manifest, or the node entry file and the chunks it loads (`R.c("...")`).
 */
function routeFiles(route: Route): string[] {
  const key = route.router === 'app' ? `/api/${route.name}/route` : `/api/${route.name}`
  const edge = readJson<{ functions: Record<string, { files: string[] }> }>('server/middleware-manifest.json')
  const fn = edge.functions[key]
  if (fn) return fn.files
  const entry = route.router === 'app' ? `server/app/api/${route.name}/route.js` : `server/pages/api/${route.name}.js`
  const chunks = [...readFileSync(dotNext(entry), 'utf8').matchAll(/R\.c\("([^"]+)"\)/g)].map((m) => m[1]!)
  return [entry, ...chunks]
}

/** The absolute source paths in a chunk's source map (plain or indexed), or none without a map. */
function sourcesOf(file: string): string[] {
  const map = dotNext(`${file}.map`)
  if (!existsSync(map)) return []
  const json = JSON.parse(readFileSync(map, 'utf8')) as {
    sources?: string[]
    sections?: { map: { sources?: string[] } }[]
  }
  const sources = [...(json.sources ?? []), ...(json.sections ?? []).flatMap((s) => s.map.sources ?? [])]
  // Turbopack writes the paths relative to its root, behind as many `../` as the chunk's depth needs
  // (sometimes fewer, for edge chunks): what follows them is the path under the root.
  return sources.filter((s) => !s.includes('://')).map((s) => join(turbopackRoot, s.replace(/^(\.\.\/)+/, '')))
}

function bundleOf(route: Route) {
  const files = routeFiles(route)
  return {
    files,
    text: files.map((file) => (existsSync(dotNext(file)) ? readFileSync(dotNext(file), 'utf8') : '')).join('\n'),
    sources: files.flatMap(sourcesOf),
  }
}

describe('Next.js App Router and Pages Router, from the packed tarball', () => {
  it('resolves use-next-sse to the installed tarball', () => {
    const pkg = installedPackage(fixture!)
    checkMarkers(pkg)
    // Next links the packages it leaves external (the node API routes) under .next/node_modules.
    const links = readdirSync(dotNext('node_modules')).filter((name) => name.startsWith('use-next-sse'))
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect(realpathSync(dotNext('node_modules', link))).toBe(pkg)
  })

  it('built every route, the edge ones as edge functions', () => {
    const app = readJson<Record<string, string>>('server/app-paths-manifest.json')
    const pages = readJson<Record<string, string>>('server/pages-manifest.json')
    const edge = Object.keys(readJson<{ functions: object }>('server/middleware-manifest.json').functions)
    for (const route of ROUTES) {
      const key = route.router === 'app' ? `/api/${route.name}/route` : `/api/${route.name}`
      if (route.runtime === 'edge') expect(edge, route.name).toContain(key)
      else expect(route.router === 'app' ? app : pages, route.name).toHaveProperty([key])
    }
  })

  for (const route of ROUTES) {
    it(`${route.name} (${route.from}) streams, and runs its cleanup when the client leaves`, async () => {
      const id = randomUUID()
      const { response, events } = await readEvents(`${base}/api/${route.name}?id=${id}`, 3)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
      // Without no-transform, Next would gzip the stream.
      expect(response.headers.get('content-encoding')).toBeNull()
      expect(events.map((e) => [e.event, JSON.parse(e.data)])).toEqual(
        [0, 1, 2].map((count) => ['counter', { count, runtime: route.runtime }]),
      )
      const output = () => server!.output()
      await until(() => output().includes(`[fixture] cleanup ${route.name} ${id}`), `${route.name}'s cleanup`, 30_000)
      expect(output().split(`[fixture] open ${route.name} ${id}`).length - 1).toBe(1)
      expect(output().split(`[fixture] cleanup ${route.name} ${id}`).length - 1).toBe(1)
    })
  }

  for (const route of ROUTES.filter((r) => r.router === 'app' || r.runtime === 'edge')) {
    it(`${route.name}'s server bundle holds the server code of the tarball and no hook or client code`, () => {
      const { text, sources } = bundleOf(route)
      const ours = sources.filter((s) => s.includes(`${join('node_modules', 'use-next-sse')}`))
      expect(ours.length, 'source maps name the package files').toBeGreaterThan(0)
      const dist = join(installedPackage(fixture!), 'dist')
      for (const source of ours) expect(dirname(source)).toBe(dist)
      expect(ours.map((s) => s.slice(dist.length + 1)).filter((f) => /^(react|client)\./.test(f))).toEqual([])
      expect(containsAny(text, SERVER_MARKERS)).toEqual(SERVER_MARKERS)
      expect(containsAny(text, CLIENT_MARKERS)).toEqual([])
    })
  }

  for (const route of ROUTES.filter((r) => r.router === 'pages' && r.runtime === 'nodejs')) {
    it(`${route.name} loads the installed package at run time (Next leaves node_modules external there)`, () => {
      const { text } = bundleOf(route)
      const linked = [...text.matchAll(/"(use-next-sse-[0-9a-f]+)(\/[a-z]+)?"/g)].map((m) => m[1]!)
      expect(linked.length).toBeGreaterThan(0)
      for (const link of linked) expect(realpathSync(dotNext('node_modules', link))).toBe(installedPackage(fixture!))
      expect(containsAny(text, [...CLIENT_MARKERS, ...SERVER_MARKERS])).toEqual([])
    })
  }

  it('the browser bundle holds the client code (so the markers above can be found)', () => {
    const chunks = readdirSync(dotNext('static/chunks'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(dotNext('static/chunks', file), 'utf8'))
      .join('\n')
    expect(containsAny(chunks, CLIENT_MARKERS)).toEqual(CLIENT_MARKERS)
    expect(containsAny(chunks, SERVER_MARKERS)).toEqual([])
  })

  it('a server component imports the root entry (react-server condition) and renders the counters', async () => {
    const html = await (await fetch(`${base}/`)).text()
    expect(html).toContain('event: hello\ndata: from a server component')
    // The hook connects only in the browser: server rendering shows the initial state.
    expect(html).toMatch(/<div id="root-counter">Loading\.\.\.<\/div>/)
    expect(html).toMatch(/<div id="sub-counter">Loading\.\.\.<\/div>/)
  })

  describe('in Chromium', () => {
    let browser: Browser | undefined
    beforeAll(async () => {
      browser = await launch()
    })
    afterAll(async () => {
      await browser?.close()
    })

    const counted = (text: string) => Number(/^Count: (\d+)/.exec(text)?.[1] ?? -1) >= 2

    it('the App Router page counts with the hook from the root and from /react', async () => {
      const { page, problems } = await browser!.open(`${base}/`)
      await waitForText(page, '#root-counter', counted, 'the root counter')
      const sub = await waitForText(page, '#sub-counter', counted, 'the /react counter')
      expect(sub).toMatch(/\(edge, open\)$/)
      await page.close()
      expect(problems).toEqual([])
      await until(
        () => server!.output().includes('[fixture] cleanup app-sub-edge page-sub'),
        'the page cleanup',
        30_000,
      )
    })

    it('the Pages Router page counts with the hook from the root', async () => {
      const { page, problems } = await browser!.open(`${base}/pages-counter`)
      await waitForText(page, '#pages-counter', counted, 'the pages counter')
      await page.close()
      expect(problems).toEqual([])
    })
  })
})
