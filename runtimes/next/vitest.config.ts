import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'next',
    include: ['*.test.ts'],
    environment: 'node',
    globalSetup: ['./global-setup.ts'],
    // `next build` runs in the global setup: about 20 s here, more on a loaded machine.
    hookTimeout: 240_000,
  },
})
