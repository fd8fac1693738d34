/**
 * The reporter of scripts/system.mjs in a real vitest run: a fixture project (a root project and a
 * project with its own root and config file, like runtimes/* here) whose suites need a fake program.
 * With SSE_SKIP_SYSTEM those suites are left out of every project, the summary is the last thing
 * printed, and the exit code stays vitest's own.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const fixture = mkdtempSync(join(tmpdir(), 'sse-system-reporter-'))
afterAll(() => rmSync(fixture, { recursive: true, force: true }))

const system = join(fixture, 'system')
mkdirSync(system)
mkdirSync(join(fixture, 'needs'))
mkdirSync(join(fixture, 'b'))
const files: Record<string, string> = {
  'vitest.config.mjs': `
import { systemReporter } from ${JSON.stringify(join(repo, 'scripts/system.mjs'))}
const programs = [{
  name: 'fake-program',
  why: 'the fixture starts it',
  suites: ['needs/needs-fake.test.js', 'b/needs-b.test.js'],
  commands: ['fake-program'],
  packages: { apt: 'fake-program' },
}]
export default {
  test: {
    reporters: ['default', systemReporter({ programs, root: import.meta.dirname })],
    projects: [
      { test: { name: 'a', globals: true, include: ['**/*.test.js'], exclude: ['b/**', '**/node_modules/**'] } },
      'b/vitest.config.mjs',
    ],
  },
}
`,
  'b/vitest.config.mjs': `export default { test: { name: 'b', globals: true, include: ['*.test.js'] } }\n`,
  'plain.test.js': `test('plain', () => { if (process.env.FIXTURE_FAIL) throw new Error('plain failed on purpose') })\n`,
  'b/plain-b.test.js': `test('plain b', () => {})\n`,
}
// The suites that need the program fail when it is missing, as the real ones do.
const needs = `
const { existsSync } = require('node:fs')
test('needs fake-program', () => { if (!existsSync(process.env.SSE_SYSTEM_PATH + '/fake-program')) throw new Error('ran without fake-program') })
`
files['needs/needs-fake.test.js'] = needs
files['b/needs-b.test.js'] = needs
for (const [path, text] of Object.entries(files)) writeFileSync(join(fixture, path), text)

function vitest(env: Record<string, string>, filters: string[] = []) {
  const args = [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--root', fixture, ...filters]
  const result = spawnSync(process.execPath, args, {
    cwd: fixture,
    env: { PATH: process.env.PATH, SSE_SYSTEM_PATH: system, NO_COLOR: '1', CI: '', ...env },
    encoding: 'utf8',
  })
  const output = `${result.stdout}${result.stderr}`
  return { code: result.status, stdout: result.stdout, output, lines: result.stdout.trimEnd().split('\n') }
}

const rule = '━'.repeat(78)

describe('systemReporter() in a vitest run', { timeout: 90_000 }, () => {
  it('with SSE_SKIP_SYSTEM=1 and the program missing: the suites needing it are left out of every project, and the summary is printed last', () => {
    const run = vitest({ SSE_SKIP_SYSTEM: '1' })
    expect(run.code).toBe(0)
    expect(run.output).not.toContain('ran without fake-program')
    expect(run.output).toMatch(/Test Files {2}2 passed \(2\)/)
    const start = run.lines.indexOf(rule)
    expect(start).toBeGreaterThan(run.lines.findIndex((line) => line.includes('Test Files')))
    expect(run.lines.slice(start)).toEqual([
      rule,
      ' NOT A FULL RUN: the suites that need fake-program were skipped (SSE_SKIP_SYSTEM=1)',
      ' fake-program is missing: the fixture starts it.',
      '   skipped:',
      '     needs/needs-fake.test.js',
      '     b/needs-b.test.js',
      ' Install them (node scripts/system.mjs check says how) and run npm test again for a full run.',
      rule,
    ])
  })

  it('a failure elsewhere still fails the run (exit 1), with the summary still last', () => {
    const run = vitest({ SSE_SKIP_SYSTEM: '1', FIXTURE_FAIL: '1' })
    expect(run.code).toBe(1)
    expect(run.output).toContain('plain failed on purpose')
    expect(run.lines.at(-1)).toBe(rule)
    expect(run.lines).toContain(' NOT A FULL RUN: the suites that need fake-program were skipped (SSE_SKIP_SYSTEM=1)')
  })

  it('without the opt-out nothing is skipped: the suites fail, and the summary says why', () => {
    const run = vitest({})
    expect(run.code).toBe(1)
    expect(run.output).toContain('ran without fake-program')
    expect(run.output).toMatch(/Test Files {2}2 failed \| 2 passed \(4\)/)
    const start = run.lines.indexOf(rule)
    expect(run.lines.slice(start)).toEqual([
      rule,
      ' fake-program is missing: the fixture starts it.',
      '   these fail for that reason:',
      '     needs/needs-fake.test.js',
      '     b/needs-b.test.js',
      ' Install it (node scripts/system.mjs check says how), or set SSE_SKIP_SYSTEM=fake-program to skip its suites.',
      rule,
    ])
  })

  it('without the opt-out, a run that holds none of those suites says nothing about the program', () => {
    const run = vitest({}, ['plain'])
    expect(run.code).toBe(0)
    expect(run.output).toMatch(/Test Files {2}2 passed \(2\)/)
    expect(run.output).not.toContain(rule)
  })

  it('with the program there, everything runs and nothing is added to the output', () => {
    writeFileSync(join(system, 'fake-program'), '#!/bin/sh\n')
    chmodSync(join(system, 'fake-program'), 0o755)
    try {
      const run = vitest({ SSE_SKIP_SYSTEM: '1' })
      expect(run.code).toBe(0)
      expect(run.output).toMatch(/Test Files {2}4 passed \(4\)/)
      expect(run.output).not.toContain(rule)
    } finally {
      rmSync(join(system, 'fake-program'))
    }
  })
})
