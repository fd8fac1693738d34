/*
 * Runs before the hook tests in the react18 project: fails them unless React 18 is the React that the
 * tests, the hook, @testing-library/react and react-dom all use (two copies would break every hook).
 */
import { createRequire } from 'node:module'
import { render } from '@testing-library/react'
import * as React from 'react'
import { version as domVersion } from 'react-dom'
import { renderToString } from 'react-dom/server'
import { beforeAll, expect } from 'vitest'

function Version() {
  const [version] = React.useState(React.version)
  return React.createElement('output', null, version)
}

beforeAll(() => {
  expect(React.version).toMatch(/^18\./)
  expect(domVersion).toMatch(/^18\./)
  // react-dom requires its react by Node resolution: it must be the very module the tests import.
  const fromDom = createRequire(createRequire(import.meta.url).resolve('react-dom'))('react')
  expect(fromDom.version).toBe(React.version)
  expect(renderToString(React.createElement(Version))).toBe(`<output>${React.version}</output>`)
  // A hook rendered through @testing-library/react: with a second React it would throw.
  const { container, unmount } = render(React.createElement(Version))
  expect(container.textContent).toBe(React.version)
  unmount()
})
