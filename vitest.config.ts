import { defineConfig } from 'vitest/config'

/*
 * One project per concern: `unit` mirrors src/ (plus the conformance and property suites), and every
 * runtime under runtimes/ is its own project running the shared contract scenarios.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.test.{ts,tsx}'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      'runtimes/*/vitest.config.ts',
    ],
  },
})
