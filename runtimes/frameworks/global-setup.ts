/**
 * The frameworks check what users install: the packed tarball (packed once per run, shared with the
 * `package` project: runtimes/harness/package.ts), installed into a fixture folder under the system temp
 * directory. ./vitest.config.ts resolves every `use-next-sse` import of the fixtures from there, and
 * hono.test.ts bundles the Bun app against it.
 */
import type { TestProject } from 'vitest/node'
import { createFixture, installedPackage, packOnce } from '../harness/package'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder the packed use-next-sse was installed into (its `node_modules/use-next-sse`'s parent). */
    frameworksFixture: string
  }
}

/** Where the config's resolver finds the fixture (global setups run in vitest's main process, as it does). */
export const FIXTURE_VARIABLE = 'USE_NEXT_SSE_FRAMEWORKS_FIXTURE'

export default async function setup(project: TestProject) {
  const { tarball, release } = await packOnce()
  try {
    const fixture = await createFixture('frameworks', tarball)
    // Throws unless use-next-sse resolves to a real folder in the fixture's own node_modules.
    installedPackage(fixture)
    process.env[FIXTURE_VARIABLE] = fixture.dir
    project.provide('frameworksFixture', fixture.dir)
    return () => {
      delete process.env[FIXTURE_VARIABLE]
      fixture.remove()
      release()
    }
  } catch (error) {
    release()
    throw error
  }
}
