import { configDefaults, defineConfig } from 'vitest/config'
import { systemReporter } from './scripts/system.mjs'

/*
 * One project per concern: `unit` mirrors src/ (plus the conformance, property, Redis and failover
 * suites); every runtime under runtimes/ is its own project running the shared contract scenarios
 * (runtimes/contract, started and watched with runtimes/harness: the matrix never imports tests/);
 * `package` checks the packed tarball in fixture projects (packed once per run, and the `frameworks`
 * fixtures import that same tarball); `types` type-checks the public generics;
 * `react18` runs the hook tests again under React 18; `demo` starts `npm run demo`'s server with the
 * system programs out of sight.
 *
 * The suites that start Chromium, redis-server or nginx are listed in scripts/system.mjs: its reporter
 * leaves them out when one is missing and SSE_SKIP_SYSTEM opts out of it, and says so last.
 */
export default defineConfig({
  test: {
    // In CI, if anything kept the run from exiting, name what (open handles, child processes).
    reporters: [...(process.env.CI ? ['default', 'hanging-process'] : ['default']), systemReporter()],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.test.{ts,tsx}'],
          exclude: [...configDefaults.exclude, 'tests/package/**', 'tests/scripts/demo.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'demo',
          include: ['tests/scripts/demo.test.ts'],
          environment: 'node',
          // Starting the demo builds the Next app when no fresh build is there (about 20 s, more when loaded).
          hookTimeout: 240_000,
        },
      },
      'runtimes/*/vitest.config.ts',
      'tests/package/vitest.config.ts',
      'tests/types/vitest.config.ts',
      'tests/react18/vitest.config.ts',
    ],
  },
})
