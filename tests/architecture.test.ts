import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/*
 * The layout's rules, checked: the library is Web-only (no `node:*` import anywhere in src/, not even
 * in the Node adapter, which speaks to Node's objects by duck typing; no Node globals in the core,
 * server, channels or client), only src/react imports React, only the Redis entry touches Redis, and a
 * folder reaches another only through its index.
 */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

const files = sources('src').map((path) => relative('src', path).replaceAll('\\', '/'))

/** The module specifiers of real import/export statements (not the ones in JSDoc examples). */
function importsOf(file: string): string[] {
  const code = readFileSync(join('src', file), 'utf8')
  const statics = [...code.matchAll(/^(?:import|export|\})[^'"\n]*\bfrom\s+['"]([^'"]+)['"]/gm)]
  const dynamics = [...code.matchAll(/^[^*\n]*\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)]
  return [...statics, ...dynamics].map((m) => m[1] as string)
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
    expect([...folders].sort()).toEqual(['channels', 'client', 'core', 'node', 'react', 'server'])
  })

  it.each(files)('%s: Web-only imports, React only in react/, Redis only in channels/redis/', (file) => {
    for (const source of importsOf(file)) {
      expect(source, `${file} imports ${source}`).not.toMatch(/^node:/)
      if (/^react(-dom)?(\/|$)/.test(source)) expect(file).toMatch(/^react\//)
      if (/^redis|^@redis\//.test(source)) expect(file).toMatch(/^channels\/redis\//)
    }
  })

  it.each(files.filter((f) => !f.startsWith('node/')))('%s uses no Node globals', (file) => {
    expect(codeOf(file)).not.toMatch(/\b(?:Buffer|process|require|__dirname|setImmediate|global)\b[.(]/)
  })

  it.each(files)('%s reaches other folders only through their index', (file) => {
    const folder = file.includes('/') ? file.split('/')[0] : ''
    for (const source of importsOf(file)) {
      if (!source.startsWith('.')) continue
      const target = join(dirname(file), source).replaceAll('\\', '/')
      if (target.split('/')[0] === folder || folder === '') continue
      // Another folder: only as the folder itself (`../core`, its index.ts).
      expect(target, `${file} imports ${source}`).toMatch(/^[a-z]+$/)
    }
  })
})
