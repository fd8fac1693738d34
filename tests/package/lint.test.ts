/**
 * The packed tarball as registries and type checkers see it: publint (package.json against the files,
 * every level, warnings as errors) and @arethetypeswrong/cli (how node10, node16 ESM and CommonJS, and
 * bundler resolution find each entry's types) must report nothing; and the tarball must hold exactly
 * what the entry points reach, so a stale build cannot ship leftovers.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bin, createFixture, type Fixture, installedPackage, run } from './helpers'

describe('the packed tarball', () => {
  const tarball = inject('tarball')

  it('passes publint with no message at any level', async () => {
    const bytes = readFileSync(tarball)
    const { messages, pkg } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      level: 'suggestion',
      strict: true,
    })
    expect(
      messages.map((message) => `${message.type} ${message.code}: ${formatMessage(message, pkg, { color: false })}`),
    ).toEqual([])
  })

  it('passes @arethetypeswrong/cli with no problem under any resolution', async () => {
    // --no-definitely-typed: nothing to fetch from the registry, the package ships its own types.
    const { stdout, output } = await run(bin('attw'), [tarball, '--format', 'json', '--no-definitely-typed'], {
      cwd: dirname(tarball),
      allowFailure: true,
    })
    let result: { analysis: { problems: unknown[]; entrypoints: Record<string, unknown> } }
    try {
      result = JSON.parse(stdout)
    } catch {
      throw new Error(`attw printed no JSON:\n${output}`)
    }
    expect(Object.keys(result.analysis.entrypoints)).toEqual(
      expect.arrayContaining(['.', './server', './client', './react', './node', './redis', './cloudflare']),
    )
    expect(result.analysis.problems).toEqual([])
  })

  describe('contents', () => {
    let fixture: Fixture
    let root = ''
    beforeAll(async () => {
      fixture = await createFixture('contents', tarball)
      root = installedPackage(fixture)
    })
    afterAll(() => fixture?.remove())

    it('holds exactly package.json, the README and what the exports reach', () => {
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: unknown }
      const reachable = new Set<string>()
      const queue = targetsOf(manifest.exports).map((target) => normalize(target))
      while (queue.length > 0) {
        const file = queue.pop()!
        if (reachable.has(file)) continue
        reachable.add(file)
        expect(existsSync(join(root, file)), `${file} is referenced but not packed`).toBe(true)
        if (/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) queue.push(...importsOf(root, file))
      }
      const extra = inject('packedFiles').filter(
        (file) => !reachable.has(normalize(file)) && !/^(package\.json|README\.md|LICENSE(\.md)?)$/.test(file),
      )
      expect(extra, 'packed files nothing imports (a stale dist/?)').toEqual([])
    })
  })
})

/** Every file path in an `exports` map, whatever the nesting of conditions. */
function targetsOf(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports]
  if (exports === null || typeof exports !== 'object') return []
  return Object.values(exports).flatMap(targetsOf)
}

/**
 * The package files `file` imports (static, dynamic, require, and type imports in declarations), as
 * paths from the package root. A declaration file names its siblings by their JavaScript extension.
 */
function importsOf(root: string, file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  const declaration = /\.d\.(c|m)?ts$/.test(file)
  const specifiers = [...text.matchAll(/(?:from|import|require)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!)
  return specifiers.map((specifier) => {
    let target = relative(root, join(root, dirname(file), specifier))
    if (declaration) target = target.replace(/\.(c|m)?js$/, (_, kind = '') => `.d.${kind}ts`)
    return target
  })
}
