import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

/*
 * The published package where users put it: the global setup packs the repository once (`npm pack`
 * of the built dist/), and every test file installs that tarball into fixture projects under the
 * system temp directory (never inside the repository, so a self-reference cannot stand in for it).
 */
export default defineProject({
  // The folder of this file, whether it is run on its own (--config) or as one of the root `projects`.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'package',
    include: ['*.test.ts'],
    environment: 'node',
    globalSetup: ['./global-setup.ts'],
    // `next build` alone takes 20-40 s here, more on a loaded machine; nothing waits on a fixed delay.
    hookTimeout: 240_000,
    testTimeout: 120_000,
  },
})
