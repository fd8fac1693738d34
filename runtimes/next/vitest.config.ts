import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'next',
    // The contract suite (next.test.ts) and the demo's browser end-to-end suites (e2e/), against the one
    // `next start` of the global setup.
    include: ['*.test.ts', 'e2e/*.test.ts'],
    environment: 'node',
    globalSetup: ['./global-setup.ts'],
    // `next build` runs in the global setup: about 20 s here, more on a loaded machine.
    hookTimeout: 240_000,
  },
})
