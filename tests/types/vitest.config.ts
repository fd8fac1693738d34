import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

/*
 * Type-level tests of the public generics (`*.test-d.ts`, `expectTypeOf`), checked by tsc, never run.
 * They import the package by name, so they check the published declarations in dist/ (a self-reference
 * through the package's `exports`): run `npm run build` first.
 */
export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'types',
    include: [],
    typecheck: {
      enabled: true,
      only: true,
      include: ['*.test-d.ts', '*.test-d.tsx'],
      tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
    },
  },
})
