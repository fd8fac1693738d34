import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/*
 * The layout's rules, checked: the library is Web-only (no `node:*` import anywhere in src/, not even
 * in the Node adapter, which speaks to Node's objects by duck typing; no Node globals in the core,
 * server, channels or client), only src/react imports React, only the Redis entry touches Redis, only
 * src/cloudflare imports a Workers module (`cloudflare:workers`, which exists only in workerd), a folder
 * reaches another only through its index and only downwards (the client, which runs in browsers, never
 * pulls in the server), and the runtime matrix under runtimes/ stands on its own.
 */

/** The files below `dir` (relative to it, with `/`) whose names end in one of `extensions`. */
function sources(dir: string, extensions: string[], skip: string[] = []): string[] {
  const walk = (sub: string): string[] =>
    readdirSync(join(dir, sub)).flatMap((name) => {
      const path = sub ? `${sub}/${name}` : name
      if (skip.includes(name)) return []
      if (statSync(join(dir, path)).isDirectory()) return walk(path)
      return extensions.some((extension) => name.endsWith(extension)) ? [path] : []
    })
  return walk('')
}

const files = sources('src', ['.ts'])

/**
 * The module specifiers of real import/export statements, dynamic imports and requires (not the ones
 * in JSDoc examples, which sit on lines starting with `*`).
 */
function importsOf(path: string): string[] {
  const code = readFileSync(path, 'utf8')
  const statics = [...code.matchAll(/^(?:import|export|\})[^'"\n]*\bfrom\s+['"]([^'"]+)['"]/gm)]
  const bare = [...code.matchAll(/^import\s+['"]([^'"]+)['"]/gm)]
  const dynamics = [...code.matchAll(/^[^*\n]*\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/gm)]
  return [...statics, ...bare, ...dynamics].map((m) => m[1] as string)
}

/** Code without comments, to look for globals. */
function codeOf(file: string): string {
  return readFileSync(join('src', file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
}

describe('src/ layout', () => {
  it('has the expected concerns', () => {
    const folders = new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]))
    expect([...folders].sort()).toEqual([
      'channels',
      'client',
      'cloudflare',
      'core',
      'entries',
      'node',
      'react',
      'server',
    ])
    // Every entry point is a file in a folder: none is left at the top, beside the folders.
    expect(files.filter((f) => !f.includes('/'))).toEqual([])
  })

  it.each(files)(
    '%s: Web-only imports, React only in react/, Redis only in channels/redis/, Workers modules only in cloudflare/',
    (file) => {
      for (const source of importsOf(join('src', file))) {
        expect(source, `${file} imports ${source}`).not.toMatch(/^node:/)
        if (/^react(-dom)?(\/|$)/.test(source)) expect(file).toMatch(/^react\//)
        if (/^redis|^@redis\//.test(source)) expect(file).toMatch(/^channels\/redis\//)
        if (/^cloudflare:/.test(source)) expect(file).toMatch(/^cloudflare\//)
      }
    },
  )

  it.each(files.filter((f) => !f.startsWith('node/')))('%s uses no Node globals', (file) => {
    expect(codeOf(file)).not.toMatch(/\b(?:Buffer|process|require|__dirname|setImmediate|global)\b[.(]/)
  })

  it.each(files)('%s reaches other folders only through their index', (file) => {
    for (const target of foldersReachedBy(file)) {
      // Another folder: only as the folder itself (`../core`, its index.ts).
      expect(target, `${file} imports ${target}`).toMatch(/^[a-z]+$/)
    }
  })

  it.each(files)('%s depends only on the folders below its own', (file) => {
    const folder = file.split('/')[0] as keyof typeof BELOW
    const allowed: readonly string[] | undefined = BELOW[folder]
    expect(allowed, `src/${folder}/ is not in BELOW`).toBeDefined()
    for (const target of foldersReachedBy(file)) {
      expect(allowed, `${file} imports ${target}`).toContain(target.split('/')[0])
    }
  })
})

/**
 * Which folders each folder may import. The core is the bottom; the client (it runs in browsers) and
 * the Node adapter stand on the core alone; the server loads the Node adapter lazily for Node's
 * `(req, res)`; channels sit on the server; the Durable Object channel (cloudflare/) sits on channels and
 * the server, and nothing below imports it; only the entries put everything together.
 */
const BELOW = {
  core: [],
  client: ['core'],
  node: ['core'],
  react: ['client', 'core'],
  server: ['core', 'node'],
  channels: ['core', 'server'],
  cloudflare: ['channels', 'core', 'server'],
  entries: ['channels', 'client', 'cloudflare', 'core', 'node', 'react', 'server'],
} as const

/** The other folders of src/ that `file` imports from (as paths below src/, e.g. `core`). */
function foldersReachedBy(file: string): string[] {
  const folder = file.split('/')[0]
  return importsOf(join('src', file))
    .filter((source) => source.startsWith('.'))
    .map((source) => join(dirname(file), source).replaceAll('\\', '/'))
    .filter((target) => target.split('/')[0] !== folder)
}

describe('runtimes/ stands on its own', () => {
  // Everything the runtime matrix runs or bundles; what tools generate there is skipped.
  const matrix = sources(
    'runtimes',
    ['.ts', '.tsx', '.mts', '.mjs', '.js', '.cjs'],
    ['node_modules', '.next', '.wrangler', 'next-env.d.ts'],
  )

  it('has files to check', () => {
    expect(matrix).toContain('contract/scenarios.ts')
  })

  it.each(matrix)('runtimes/%s imports nothing from tests/', (file) => {
    const path = join('runtimes', file)
    for (const source of importsOf(path)) {
      if (!source.startsWith('.')) continue
      const target = relative('.', join(dirname(path), source)).replaceAll('\\', '/')
      expect(target, `runtimes/${file} imports ${source}`).not.toMatch(/^tests(\/|$)/)
    }
    // Nor names the folder in a path it reads (a build's inputs, a fixture).
    const code = readFileSync(path, 'utf8').replace(/^\s*(?:\/\/|\*|\/\*).*$/gm, '')
    expect(code, `runtimes/${file} refers to tests/`).not.toMatch(/['"`](?:\.\.\/)*tests\//)
  })
})
