/*
 * (7) Bundle size, min+gz, per entry point of the built package: esbuild bundles dist/<entry>.js with
 * --minify (react, react-dom and redis external), then gzip level 9. Plus what single imports cost
 * once tree-shaken (measured by scripts/size.mjs, the CI budget check), and a few peers for context.
 */
import { builtinModules } from 'node:module'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { fmt, QUICK, ROOT, report, versionOf } from './lib.mjs'

const EXTERNAL = ['react', 'react-dom', 'redis']

/** min+gz bytes of `contents` (an ES module importing from ROOT) bundled; `undefined` if an import is missing. */
async function size(contents, platform = 'neutral') {
  const out = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    external: [...EXTERNAL, ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
    write: false,
    logLevel: 'silent',
  })
  const code = out.outputFiles[0].contents
  return { min: code.byteLength, gz: gzipSync(code, { level: 9 }).byteLength }
}

const kB = (bytes) => `${fmt(bytes / 1000, 2)} kB`

// Our entries are measured by scripts/size.mjs, the same code that checks the budgets in CI: every
// entry whole and through its primary import, lazily loaded chunks (the Node adapter) counted apart.
const { measureAll } = await import(`${ROOT}scripts/size.mjs`)
const { rows: sizes } = await measureAll({ packageDir: ROOT })
const rows = sizes.map((r) => [
  r.entry,
  r.measure === 'whole' ? 'everything' : `\`{ ${r.imports} }\``,
  r.error ? 'failed' : kB(r.min),
  r.error ? '—' : kB(r.gzip),
  r.lazy?.chunks ? kB(r.lazy.gzip) : '',
])
const find = (entry, measure) => sizes.find((r) => r.entry === entry && r.measure === measure)
const measured = {
  '/server': find('use-next-sse/server', 'primary'),
  '/server (whole entry)': find('use-next-sse/server', 'whole'),
  '/react': find('use-next-sse/react', 'whole'),
}

const peers = QUICK
  ? []
  : [
      [
        `eventsource-parser ${versionOf('eventsource-parser')} \`createParser\``,
        "export { createParser } from 'eventsource-parser'",
      ],
      [`hono ${versionOf('hono')} \`streamSSE\``, "export { streamSSE } from 'hono/streaming'"],
      [
        `better-sse ${versionOf('better-sse')} \`createResponse\`, \`createChannel\``,
        "export { createResponse, createChannel } from 'better-sse'",
      ],
      [`h3 ${versionOf('h3')} \`EventStream\`, \`H3\``, "export { EventStream, H3 } from 'h3'"],
    ]
const peerRows = []
for (const [label, contents] of peers) {
  const s = await size(contents, 'node')
  peerRows.push([label, kB(s.min), kB(s.gz)])
}

const goal = (entry, limit, what) => {
  const s = measured[entry]
  return {
    metric: `(7) bundle ${entry}, min+gz (${what})`,
    goal: `≤ ${limit} kB`,
    measured: s && !s.error ? kB(s.gzip) : 'not built yet',
    met: s && !s.error ? s.gzip <= limit * 1000 : undefined,
  }
}

report({
  id: 'bundle',
  title: '(7) Bundle size, min+gz',
  method: [
    'Measured by `scripts/size.mjs` (the CI budget check): esbuild `bundle`, `minify`, `splitting`, `format: "esm"`, `platform: "neutral"`, react, react-dom and redis external; gzip level 9; the entry chunk plus everything it imports statically, so sibling entries it uses (`/react` uses `/client`, everything the shared core) are included. A chunk loaded only through a dynamic `import()` (the Node adapter, which the server entry loads when Node hands it `(req, res)`) is shown apart. kB = 1000 bytes.',
  ],
  tables: [
    {
      caption: 'Per entry point: everything it exports, and its main import tree-shaken (`sideEffects: false`)',
      columns: ['entry', 'imports', 'min', 'min+gz', 'lazy chunk min+gz'],
      rows,
    },
    ...(peerRows.length
      ? [
          {
            caption: 'Peers, for context (platform node, node builtins external)',
            columns: ['import', 'min', 'min+gz'],
            rows: peerRows,
          },
        ]
      : []),
  ],
  goals: [
    goal('/server', 2.0, '`createSSEHandler`, tree-shaken'),
    goal('/server (whole entry)', 2.0, 'with channels'),
    goal('/react', 3.0, 'with its client code'),
  ],
})
