import { configDefaults, defineConfig } from 'vitest/config'

/*
 * One project per concern: `unit` mirrors src/ (plus the conformance, property, Redis and failover
 * suites); every runtime under runtimes/ is its own project running the shared contract scenarios;
 * `package` checks the packed tarball in fixture projects; `types` type-checks the public generics;
 * `react18` runs the hook tests again under React 18.
 */
export default defineConfig({
  test: {
    // In CI, if anything kept the run from exiting, name what (open handles, child processes).
    reporters: process.env.CI ? ['default', 'hanging-process'] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.test.{ts,tsx}'],
          exclude: [...configDefaults.exclude, 'tests/package/**'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      'runtimes/*/vitest.config.ts',
      'tests/package/vitest.config.ts',
      'tests/types/vitest.config.ts',
      'tests/react18/vitest.config.ts',
    ],
  },
})
