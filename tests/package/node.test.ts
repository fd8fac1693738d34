/**
 * Node, from the packed tarball: `import` and `require` of every entry where React is installed, and
 * with no React at all (the server, client, Node and Redis entries must not need it; the root and
 * `/react` must say so clearly), the `react-server` condition, and a round trip through the server,
 * Node and client entries. Plus the installed type declarations compiled by `tsc` with `skipLibCheck`
 * off: as a Node project (node16, ESM and CommonJS files), a bundler project (a React component), a
 * route handler under the `react-server` condition, and a Node server project without the DOM lib.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bin, createFixture, type Fixture, installedPackage, repo, run } from './helpers'

// `use-next-sse/cloudflare` is left out: it imports `cloudflare:workers`, which exists only in workerd.
// bundlers.test.ts runs it there, and its declarations are compiled below against the Workers types.
const ENTRIES = [
  'use-next-sse',
  'use-next-sse/server',
  'use-next-sse/client',
  'use-next-sse/react',
  'use-next-sse/node',
  'use-next-sse/redis',
] as const
type Entry = (typeof ENTRIES)[number]
const WITHOUT_REACT = ENTRIES.filter((e) => e !== 'use-next-sse' && e !== 'use-next-sse/react')

/** What each entry must export (at least; the root must be exactly the server entry plus the hook). */
const REQUIRED: Record<Entry, string[]> = {
  'use-next-sse': ['createSSEHandler', 'useSSE'],
  'use-next-sse/server': [
    'LAST_EVENT_ID_PARAM',
    'SSEError',
    'createChannel',
    'createMemoryBackplane',
    'createSSEHandler',
    'encodeEvent',
    'isSSEError',
  ],
  'use-next-sse/client': [
    'EventSource',
    'LAST_EVENT_ID_PARAM',
    'ParserStream',
    'SSEError',
    'backoff',
    'createParser',
    'createSSEStore',
    'isSSEError',
  ],
  'use-next-sse/react': ['useSSE'],
  'use-next-sse/node': ['toNodeHandler'],
  'use-next-sse/redis': ['createRedisBackplane'],
}
/** Entries whose exports are exactly the required ones. */
const EXACT: Entry[] = ['use-next-sse/react', 'use-next-sse/redis']

interface Report {
  entries: Record<string, { exports?: string[]; file?: string; error?: string }>
  identity: Record<string, boolean>
}

async function report(fixture: Fixture, script: string, specifiers: readonly string[], nodeArgs: string[] = []) {
  const { stdout } = await run(process.execPath, [...nodeArgs, script, ...specifiers], { cwd: fixture.dir })
  return JSON.parse(stdout) as Report
}

const fixtures: Fixture[] = []
afterAll(() => {
  for (const fixture of fixtures) fixture.remove()
})

describe('Node, with React installed', () => {
  let fixture: Fixture
  let esm: Report
  let cjs: Report
  beforeAll(async () => {
    fixture = await createFixture('node-react', inject('tarball'), {
      template: 'node',
      link: ['react', 'react-dom'],
    })
    fixtures.push(fixture)
    ;[esm, cjs] = await Promise.all([report(fixture, 'exports.mjs', ENTRIES), report(fixture, 'exports.cjs', ENTRIES)])
  })

  it('resolves every entry to the installed tarball: ESM to .js files, CommonJS to .cjs files', () => {
    const dist = `${installedPackage(fixture)}/dist/`
    for (const entry of ENTRIES) {
      expect(esm.entries[entry]?.file, entry).toMatch(new RegExp(`^${dist}[\\w.-]+\\.js$`))
      expect(cjs.entries[entry]?.file, entry).toMatch(new RegExp(`^${dist}[\\w.-]+\\.cjs$`))
    }
  })

  for (const [format, get] of [
    ['import', () => esm],
    ['require', () => cjs],
  ] as const) {
    it(`${format} of every entry has the expected exports`, () => {
      const { entries } = get()
      for (const entry of ENTRIES) {
        expect(entries[entry]?.error, entry).toBeUndefined()
        const exports = entries[entry]?.exports ?? []
        if (EXACT.includes(entry)) expect(exports, entry).toEqual(REQUIRED[entry])
        else expect(exports, entry).toEqual(expect.arrayContaining(REQUIRED[entry]))
      }
      // The root is the original API: everything of /server, and the hook.
      const union = new Set([...(entries['use-next-sse/server']?.exports ?? []), 'useSSE'])
      expect(entries['use-next-sse']?.exports).toEqual([...union].sort())
    })

    it(`${format}: SSEError is one class across /client, /server and the root (they share dist/core)`, () => {
      const { identity } = get()
      expect(identity).toMatchObject({ clientIsServer: true, errorIsSSEError: true, rootIsServer: true })
    })
  }

  it('ESM and CommonJS export the same names', () => {
    for (const entry of ENTRIES) expect(cjs.entries[entry]?.exports, entry).toEqual(esm.entries[entry]?.exports)
  })

  it('an SSEError from the CommonJS build is another class, which isSSEError still recognises', () => {
    expect(esm.identity).toMatchObject({ commonjsIsOtherClass: true, isSSEErrorAcrossFormats: true })
  })
})

describe('Node, with no React installed', () => {
  let fixture: Fixture
  beforeAll(async () => {
    fixture = await createFixture('node-bare', inject('tarball'), { template: 'node' })
    fixtures.push(fixture)
  })

  it('has no React to find', async () => {
    const { code, output } = await run(process.execPath, ['-e', "require.resolve('react')"], {
      cwd: fixture.dir,
      allowFailure: true,
    })
    expect(code, output).not.toBe(0)
  })

  for (const [format, script] of [
    ['import', 'exports.mjs'],
    ['require', 'exports.cjs'],
  ] as const) {
    it(`${format} of /server, /client, /node and /redis works without React`, async () => {
      const { entries, identity } = await report(fixture, script, WITHOUT_REACT)
      for (const entry of WITHOUT_REACT) {
        expect(entries[entry]?.error, entry).toBeUndefined()
        expect(entries[entry]?.exports, entry).toEqual(expect.arrayContaining(REQUIRED[entry]))
      }
      expect(identity).toMatchObject({ clientIsServer: true, errorIsSSEError: true })
    })

    it(`${format} of the root and /react fails naming the missing react package`, async () => {
      const { entries } = await report(fixture, script, ['use-next-sse', 'use-next-sse/react'])
      for (const entry of ['use-next-sse', 'use-next-sse/react']) {
        expect(entries[entry]?.error, entry).toMatch(/^(ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND): .*'react'/)
      }
    })

    it(`${format} of the root under the react-server condition is the server API, without React`, async () => {
      const [server, root] = await Promise.all([
        report(fixture, script, ['use-next-sse/server']),
        report(fixture, script, ['use-next-sse'], ['--conditions=react-server']),
      ])
      expect(root.entries['use-next-sse']?.error).toBeUndefined()
      expect(root.entries['use-next-sse']?.file).toMatch(/\/dist\/index\.react-server\.c?js$/)
      expect(root.entries['use-next-sse']?.exports).toEqual(server.entries['use-next-sse/server']?.exports)
    })
  }

  it('from CommonJS, a handler given (req, res) loads the Node adapter itself and streams', async () => {
    const { stdout } = await run(process.execPath, ['req-res.cjs'], { cwd: fixture.dir })
    expect(JSON.parse(stdout)).toEqual({ status: 200, body: ':\n\ndata: {"from":"cjs"}\n\n' })
  })

  it('streams through the server, Node and client entries', async () => {
    const { stdout } = await run(process.execPath, ['round-trip.mjs'], { cwd: fixture.dir })
    expect(JSON.parse(stdout)).toEqual({
      received: [
        { data: { n: 1 }, lastEventId: '' },
        { data: { n: 2 }, lastEventId: 'two' },
      ],
      cleanedUp: true,
    })
  })
})

describe('the installed type declarations', () => {
  let fixture: Fixture
  beforeAll(async () => {
    fixture = await createFixture('types', inject('tarball'), {
      template: 'types',
      link: ['typescript', '@types/react', '@types/node', '@cloudflare/workers-types'],
      // The same imports in a CommonJS file resolve through the `require` condition. (Not kept in the
      // repository as a .cts: the root tsconfig's verbatimModuleSyntax refuses ESM syntax there.)
      files: {
        'cjs.cts': readFileSync(join(repo, 'tests/package/fixtures/types/esm.mts'), 'utf8'),
        // What a route handler sees (Next resolves it with the react-server condition): the server API only.
        'route.ts': [
          "import * as root from 'use-next-sse'",
          'export const GET = root.createSSEHandler(() => {})',
          '// @ts-expect-error the react-server root has no hook',
          'root.useSSE',
        ].join('\n'),
        // A Worker with a Durable Object channel, against the real Workers types (not in the repository as
        // a file: the root tsconfig checks tests/ with the DOM lib, where the Workers globals do not exist).
        'worker.ts': [
          "import { ChannelObject, channelOf, type ChannelObjectOptions } from 'use-next-sse/cloudflare'",
          'type Message = { text: string }',
          'export class Room extends ChannelObject<Message> {',
          '  protected override options: ChannelObjectOptions = { maxEvents: 500, maxAge: 3_600_000 }',
          '  override filterFor(request: Request) {',
          "    const not = new URL(request.url).searchParams.get('not')",
          '    return not === null ? undefined : (data: Message) => data.text !== not',
          '  }',
          '}',
          'interface Env { ROOMS: DurableObjectNamespace<Room> }',
          'export default {',
          '  async fetch(request: Request, env: Env): Promise<Response> {',
          '    const room = channelOf<Message>(env.ROOMS, "lobby")',
          "    if (request.method === 'POST') return Response.json({ id: await room.publish({ text: 'hi' }) })",
          '    // @ts-expect-error the data type is checked',
          '    void room.publish({ text: 1 })',
          '    const n: number = await room.size()',
          "    const direct: string = await env.ROOMS.get(env.ROOMS.idFromName('lobby')).append('{}', 'message')",
          '    void n, direct',
          '    return room.subscribe(request)',
          '  },',
          '} satisfies ExportedHandler<Env>',
        ].join('\n'),
      },
    })
    fixtures.push(fixture)
  })

  for (const project of [
    'tsconfig.node16.json',
    'tsconfig.bundler.json',
    'tsconfig.react-server.json',
    'tsconfig.node-only.json',
    'tsconfig.workers.json',
  ]) {
    it.concurrent(`compile with skipLibCheck off (${project})`, async () => {
      const { code, output } = await run(bin('tsc'), ['-p', project], { cwd: fixture.dir, allowFailure: true })
      expect(output).toBe('')
      expect(code).toBe(0)
    })
  }
})
