import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

/*
 * The hook tests (tests/react/use-sse.test.tsx) again, under React 18. React 18 is installed in
 * tests/react18/node_modules (this folder is an npm workspace, so `npm ci` installs it; the repository
 * root keeps React 19). Every `react` and `react-dom` import of the tests and of the source is aliased
 * to that copy; @testing-library/react's ES build is inlined so that its own imports go through the alias too;
 * and react-dom 18 finds its sibling react 18 by plain Node resolution. So one React runs, which
 * setup.ts checks before the tests.
 */
const react18 = (name: string) => fileURLToPath(new URL(`node_modules/${name}`, import.meta.url))
if (!existsSync(react18('react-dom/package.json'))) {
  throw new Error(
    'React 18 is not installed in tests/react18/node_modules: run `npm ci` (tests/react18 is a workspace).',
  )
}
// Its ES module build: the CommonJS one (its `main`) would require() the root's react-dom, past the alias.
const testingLibrary = fileURLToPath(
  new URL('../../node_modules/@testing-library/react/dist/@testing-library/react.esm.js', import.meta.url),
)

export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^react(\/.*)?$/, replacement: `${react18('react')}$1` },
      { find: /^react-dom(\/.*)?$/, replacement: `${react18('react-dom')}$1` },
      { find: /^@testing-library\/react$/, replacement: testingLibrary },
    ],
  },
  test: {
    name: 'react18',
    // The React 19 suite's own file, found from here whether this config runs alone or as a project.
    dir: fileURLToPath(new URL('../react', import.meta.url)),
    include: ['use-sse.test.tsx'],
    environment: 'node',
    setupFiles: ['./setup.ts'],
    server: { deps: { inline: [/@testing-library[\\/]react[\\/]/] } },
    testTimeout: 20_000,
  },
})
