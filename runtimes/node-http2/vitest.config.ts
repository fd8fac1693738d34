import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'node-http2', include: ['*.test.ts'], environment: 'node' },
})
