import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'frameworks', include: ['*.test.ts'], environment: 'node' },
})
