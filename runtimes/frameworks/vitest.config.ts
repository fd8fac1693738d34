import { join } from 'node:path'
import { defineProject } from 'vitest/config'
import { FIXTURE_VARIABLE } from './global-setup'

export default defineProject({
  plugins: [
    {
      // Every `use-next-sse` import of the fixtures resolves as a module of the fixture folder would,
      // to the packed tarball installed there (./global-setup.ts), never to the repository's dist/.
      name: 'use-next-sse-from-the-tarball',
      enforce: 'pre',
      async resolveId(source, _importer, options) {
        if (!/^use-next-sse(\/|$)/.test(source)) return null
        const fixture = process.env[FIXTURE_VARIABLE]
        if (!fixture) throw new Error(`${FIXTURE_VARIABLE} is not set: the frameworks' global setup did not run`)
        const resolved = await this.resolve(source, join(fixture, 'package.json'), { ...options, skipSelf: true })
        if (!resolved) throw new Error(`use-next-sse did not resolve in ${fixture}`)
        return resolved
      },
    },
  ],
  test: {
    name: 'frameworks',
    include: ['*.test.ts'],
    environment: 'node',
    globalSetup: ['./global-setup.ts'],
    // Packing and installing the tarball (once per run) take a few seconds more on a loaded machine.
    hookTimeout: 120_000,
  },
})
