import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'workerd', include: ['*.test.ts'], environment: 'node' },
})
