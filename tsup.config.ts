import { existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import type { Plugin } from 'esbuild'
import { defineConfig, type Options } from 'tsup'

/*
 * Every entry is its own file in dist/, and an import that crosses from one entry's code into another's
 * stays an import of the sibling file instead of a copy. So `SSEError` exists once, the client code that
 * `/react` uses is `/client`'s, and `'use client'` sits at the top of exactly the file that holds the hook
 * (tsup drops directives from bundled modules, silently).
 *
 * Keys are the dist/ file names the exports map points at. An entry that is one concern's public face is
 * that folder's index.ts; the entries that put several concerns together live in src/entries/, so
 * `src/entries/server.ts` (the `./server` export) is never confused with the `src/server/` folder.
 */
const entries = {
  core: 'src/core/index.ts',
  server: 'src/entries/server.ts',
  'index.react-server': 'src/entries/index.react-server.ts',
  node: 'src/node/index.ts',
  client: 'src/client/index.ts',
  react: 'src/react/index.ts',
  index: 'src/entries/index.ts',
  redis: 'src/channels/redis/index.ts',
  cloudflare: 'src/entries/cloudflare.ts',
  // Not exported: the cross-tab protocol, which the client loads with import() when a store asks for it.
  tabs: 'src/client/tabs.ts',
} as const
type Entry = keyof typeof entries

/** Which entry's file a source file's code lands in. */
function ownerOf(file: string): Entry | undefined {
  const rel = relative('src', file).replaceAll('\\', '/')
  for (const [name, source] of Object.entries(entries)) if (`src/${rel}` === source) return name as Entry
  if (rel.startsWith('channels/redis/')) return 'redis'
  if (rel.startsWith('server/') || rel.startsWith('channels/')) return 'server'
  const folder = rel.split('/')[0] as Entry
  return folder in entries ? folder : undefined
}

/** The files through which another entry may be imported: its entry file and its folder's index. */
function isPublicFace(file: string, owner: Entry): boolean {
  const rel = relative('src', file).replaceAll('\\', '/')
  return (
    `src/${rel}` === entries[owner] ||
    rel === `${owner}/index.ts` ||
    (owner === 'server' && rel === 'channels/index.ts')
  )
}

function resolveSource(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec)
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')].find((f) => existsSync(f))
}

function siblingEntries(extension: string): Plugin {
  return {
    name: 'sibling-entries',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!args.importer.includes(`${'src'}`)) return undefined
        const target = resolveSource(args.importer, args.path)
        if (target === undefined) return undefined
        const from = ownerOf(args.importer)
        const to = ownerOf(target)
        if (to === undefined || from === to) return undefined
        if (!isPublicFace(target, to)) {
          return { errors: [{ text: `${args.importer} reaches into ${target}: import ${to} through its index.` }] }
        }
        return { path: `./${to}${extension}`, external: true }
      })
    },
  }
}

const common: Options = {
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: 'neutral',
  dts: true,
  sourcemap: false,
  splitting: false,
  treeshake: false,
  clean: false,
  // `cloudflare:workers` exists only inside workerd, which provides it to the Worker's bundle.
  external: ['react', 'react-dom', 'redis', 'cloudflare:workers'],
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
  esbuildPlugins: [],
}

const present = (names: Entry[]) =>
  Object.fromEntries(names.filter((n) => existsSync(entries[n])).map((n) => [n, entries[n]]))

function config(names: Entry[], extra: Options = {}): Options[] {
  const entry = present(names)
  return (['esm', 'cjs'] as const).map((format) => ({
    ...common,
    ...extra,
    entry,
    format: [format],
    esbuildPlugins: [siblingEntries(format === 'cjs' ? '.cjs' : '.js')],
  }))
}

/*
 * The Cloudflare entry is built on its own: in the shared declaration build, the types it shares with
 * /server would be split into new chunks, changing every other entry's .d.ts files. Its declarations
 * carry their own copy of the few /server types its API names (Retention, SSEHandlerOptions,
 * PublishFunction), used only through that API.
 */
const shared = (Object.keys(entries) as Entry[]).filter((n) => n !== 'cloudflare')

export default defineConfig([
  // The declarations of every entry come from one build, so they share their chunks: a type reached
  // from two entries (`useSSE` from the root and from /react) is one declaration, not two copies that
  // TypeScript would compare structurally and, for conditional types, find different.
  ...config(
    shared.filter((n) => n !== 'react'),
    // Not tabs: nothing public names its types (the client loads it by import() and passes its own code).
    { dts: { entry: present(shared.filter((n) => n !== 'tabs')) } },
  ),
  // The hook's file must start with the directive, or Next treats it as a server module.
  ...config(['react'], { banner: { js: "'use client';" }, dts: false }),
  ...config(['cloudflare']),
])
