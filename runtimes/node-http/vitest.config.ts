import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'node-http', include: ['*.test.ts'], environment: 'node' },
})
