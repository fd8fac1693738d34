import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'bun', include: ['*.test.ts'], environment: 'node' },
})
