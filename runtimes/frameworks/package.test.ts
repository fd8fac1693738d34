/**
 * The fixtures run what users install: every `use-next-sse` import here resolves, through
 * ./vitest.config.ts, to the packed tarball installed in the fixture folder of ./global-setup.ts, and
 * the Bun app is bundled against the same folder.
 */
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as node from 'use-next-sse/node'
import * as server from 'use-next-sse/server'
import { expect, inject, test } from 'vitest'
import { bundleToFile } from '../harness/bundle'

const installed = join(inject('frameworksFixture'), 'node_modules', 'use-next-sse')

test('use-next-sse/server and use-next-sse/node are the modules of the installed tarball', async () => {
  const fromTarball = (file: string) => import(pathToFileURL(join(installed, 'dist', file)).href)
  // The same module instances: the imports above loaded these very files, not the repository's dist/.
  expect(server.createSSEHandler).toBe((await fromTarball('server.js')).createSSEHandler)
  expect(node.toNodeHandler).toBe((await fromTarball('node.js')).toNodeHandler)
})

test('the Bun app is bundled from the installed tarball too', async () => {
  const fixture = inject('frameworksFixture')
  const bundle = await bundleToFile(new URL('./hono-bun.ts', import.meta.url), ['bun'], { packageFrom: fixture })
  try {
    // esbuild heads each bundled module with a comment naming its file.
    const sources = [...readFileSync(bundle.file, 'utf8').matchAll(/^\/\/ (.+)$/gm)].map((m) => m[1]!)
    // The repository's own files are the app (runtimes/) and Hono (node_modules/); the rest is ours, and
    // it must come from the fixture, not from the repository's dist/ (which would read `dist/server.js`).
    const packageFiles = sources.filter((path) => !/^(runtimes|node_modules)\//.test(path))
    expect(packageFiles.filter((path) => path.endsWith('/dist/server.js'))).toHaveLength(1)
    for (const path of packageFiles) expect(path).toContain(`${basename(fixture)}/node_modules/use-next-sse/dist/`)
  } finally {
    bundle.remove()
  }
})
