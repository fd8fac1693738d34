/**
 * Packs the repository once for the whole project: `npm pack` of the built dist/ into a temp folder,
 * as `npm publish` would (same `files`, same package.json). Every test file installs this tarball.
 * `USE_NEXT_SSE_TARBALL=<path.tgz>` checks that tarball instead.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'
import { repo, run } from './helpers'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed use-next-sse tarball (absolute path). */
    tarball: string
    /** The files inside it, as `npm pack` lists them. */
    packedFiles: string[]
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), 'use-next-sse-pack-'))
  try {
    // Any other tarball can be checked the same way (a release candidate, a published version fetched
    // with `npm pack use-next-sse@x`): its files are listed with `tar`.
    const given = process.env.USE_NEXT_SSE_TARBALL
    if (given) {
      const { stdout } = await run('tar', ['-tzf', given], { cwd: dir })
      project.provide('tarball', resolve(given))
      project.provide(
        'packedFiles',
        stdout
          .split('\n')
          .filter((line) => line.startsWith('package/') && !line.endsWith('/'))
          .map((line) => line.slice('package/'.length)),
      )
      return () => rmSync(dir, { recursive: true, force: true })
    }
    if (!existsSync(join(repo, 'dist/server.js'))) throw new Error('dist/ is missing: run `npm run build` first.')
    // --ignore-scripts: pack what `npm run build` made, without running lifecycle scripts again.
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: repo,
    })
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
    if (!packed) throw new Error(`npm pack printed no package:\n${stdout}`)
    project.provide('tarball', join(dir, packed.filename))
    project.provide(
      'packedFiles',
      packed.files.map((file) => file.path),
    )
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return () => rmSync(dir, { recursive: true, force: true })
}
