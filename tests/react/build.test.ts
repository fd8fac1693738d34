import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/*
 * What is published, not only the source: Next treats a module without 'use client' as a server
 * module, and tsup drops directives from bundled modules silently, so the built hook file must begin
 * with the directive (tsup.config.ts adds it as a banner). Run `npm run build` first.
 */
const files = ['dist/react.js', 'dist/react.cjs']

describe('the built /react entry', () => {
  for (const file of files) {
    it(`${file} begins with 'use client'`, () => {
      expect(existsSync(file), `${file} is missing: run \`npm run build\` first`).toBe(true)
      const firstLine = readFileSync(file, 'utf8').split('\n', 1)[0]
      expect(firstLine).toMatch(/^['"]use client['"];?$/)
    })
  }

  it('dist/react.js imports the client code from its sibling entry instead of copying it', () => {
    const code = readFileSync('dist/react.js', 'utf8')
    expect(code).toMatch(/from ["']\.\/client\.js["']/)
    expect(code).not.toContain('function createParser')
  })
})
