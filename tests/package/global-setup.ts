/**
 * Packs the repository once for the whole run (runtimes/harness/package.ts: `npm pack` of the built
 * dist/ into a temp folder, as `npm publish` would, shared with the frameworks project). Every test file
 * installs this tarball. `USE_NEXT_SSE_TARBALL=<path.tgz>` checks that tarball instead.
 */
import type { TestProject } from 'vitest/node'
import { packOnce } from '../../runtimes/harness/package'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed use-next-sse tarball (absolute path). */
    tarball: string
    /** The files inside it, as `npm pack` lists them. */
    packedFiles: string[]
  }
}

export default async function setup(project: TestProject) {
  const { tarball, files, release } = await packOnce()
  project.provide('tarball', tarball)
  project.provide('packedFiles', files)
  return release
}
