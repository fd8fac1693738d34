import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'edge-vm', include: ['*.test.ts'], environment: 'node' },
})
