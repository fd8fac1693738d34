import { defineProject } from 'vitest/config'

export default defineProject({
  // Launching Chromium (chromium.test.ts) on a loaded 2-core machine can pass vitest's 10 s hook default.
  test: { name: 'node-http2', include: ['*.test.ts'], environment: 'node', hookTimeout: 60_000 },
})
