/**
 * scripts/system.mjs, the set-up of `npm test`: against a fake machine. Each case gets a sandbox with a
 * PATH of its own (node, and a fake `apt-get` when the case has one) and a folder of fake "installed"
 * programs that SSE_SYSTEM_PATH points at, so the machine's real Chromium, redis-server and nginx are
 * out of sight. Being root and the platform are set in the spawned CLI by a preload. The real apt-get is
 * never reachable: every spawned environment is built from nothing, without the machine's PATH.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { findChromium, locate, main, PROGRAMS, status } from '../../scripts/system.mjs'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const cli = join(repo, 'scripts/system.mjs')
const scratch = mkdtempSync(join(tmpdir(), 'sse-system-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const ALL = ['chromium', 'redis-server', 'nginx']

function executable(path: string, body = '#!/bin/sh\nexit 0\n') {
  writeFileSync(path, body)
  chmodSync(path, 0o755)
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

let count = 0
/** A fake machine: `bin` is its PATH, `system` the folder its programs are "installed" in. */
function machine(options: { installed?: string[]; apt?: 'works' | 'fails' } = {}) {
  const dir = join(scratch, String(count++))
  const bin = join(dir, 'bin')
  const system = join(dir, 'system')
  const log = join(dir, 'apt-get.log')
  mkdirSync(bin, { recursive: true })
  mkdirSync(system)
  for (const name of options.installed ?? []) executable(join(system, name))
  if (options.apt) {
    // A fake apt-get: logs its arguments and DEBIAN_FRONTEND, and "installs" a package by putting an
    // executable of that name among the machine's programs (each package here provides its namesake).
    const script = `#!${process.execPath}
const fs = require('node:fs')
const args = process.argv.slice(2)
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, frontend: process.env.DEBIAN_FRONTEND }) + '\\n')
if (${options.apt === 'fails'} && args[0] === 'install') {
  console.error('E: Unable to locate package ' + args.at(-1))
  process.exit(100)
}
if (args[0] === 'install') {
  for (const pkg of args.slice(1).filter((a) => !a.startsWith('-'))) {
    fs.writeFileSync(${JSON.stringify(system)} + '/' + pkg, '#!/bin/sh\\nexit 0\\n', { mode: 0o755 })
  }
}
`
    executable(join(bin, 'apt-get'), script)
  }
  return {
    system,
    /** Runs the CLI as user `uid` on `platform`, with only this machine's PATH and programs. */
    run(args: string[], as: { uid?: number; platform?: string; env?: Record<string, string> } = {}): Run {
      const preload = `process.getuid = () => ${as.uid ?? 0}; Object.defineProperty(process, 'platform', { value: ${JSON.stringify(as.platform ?? 'linux')} })`
      const result = spawnSync(
        process.execPath,
        [`--import=data:text/javascript,${encodeURIComponent(preload)}`, cli, ...args],
        { env: { PATH: bin, SSE_SYSTEM_PATH: system, ...as.env }, encoding: 'utf8' },
      )
      return { code: result.status, stdout: result.stdout, stderr: result.stderr }
    },
    /** The apt-get calls so far. */
    apt(): { args: string[]; frontend?: string }[] {
      try {
        return readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line))
      } catch {
        return []
      }
    },
    installed: () => readdirSync(system).sort(),
  }
}

/** Never a stack trace nor a raw errno: one message. */
function expectOneMessage(run: Run) {
  expect(run.stderr).not.toMatch(/\n\s+at |ENOENT|Error:/)
}

describe('node scripts/system.mjs', () => {
  it('with every program there, install and check print nothing, run no apt-get and exit 0', () => {
    const box = machine({ installed: ALL, apt: 'works' })
    for (const command of ['install', 'check']) {
      expect(box.run([command])).toEqual({ code: 0, stdout: '', stderr: '' })
    }
    expect(box.apt()).toEqual([])
  })

  it('as root with apt-get, install updates the lists once and installs exactly what is missing, saying why; a second run installs nothing', () => {
    const box = machine({ installed: ['redis-server'], apt: 'works' })
    const first = box.run(['install'])
    expect(first.code).toBe(0)
    expect(first.stderr).toBe('')
    expect(first.stdout).toContain('Installing with apt-get what the test suites start for real')
    for (const name of ['chromium', 'nginx']) {
      expect(first.stdout.split('\n')).toContain(`  ${name.padEnd(8)}  ${PROGRAMS.find((p) => p.name === name)!.why}`)
    }
    expect(first.stdout).not.toMatch(/^ {2}redis-server/m)
    expect(first.stdout).toMatch(/^Installed chromium, nginx in \d+ s\.$/m)
    expect(box.apt()).toEqual([
      { args: ['update', '-qq'], frontend: 'noninteractive' },
      { args: ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'nginx'], frontend: 'noninteractive' },
    ])
    expect(box.installed()).toEqual(['chromium', 'nginx', 'redis-server'])

    const second = box.run(['install'])
    expect(second).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(box.apt()).toHaveLength(2)
  })

  it('check never installs, even as root with apt-get: it names the missing programs and the command', () => {
    const box = machine({ installed: ['redis-server'], apt: 'works' })
    const run = box.run(['check'])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('npm test starts real programs that are missing here:')
    expect(run.stderr).toContain(
      'Install with: apt-get install -y --no-install-recommends chromium nginx (npm test does it by itself: node scripts/system.mjs install)',
    )
    expectOneMessage(run)
    expect(box.apt()).toEqual([])
  })

  it('not root on Debian: stops before anything, naming each missing program, why, and the sudo command', () => {
    const box = machine({ apt: 'works' })
    const run = box.run(['install'], { uid: 1000 })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    const lines = run.stderr.trim().split('\n')
    expect(lines[0]).toBe('npm test starts real programs that are missing here:')
    expect(lines.slice(1, 4).map((line) => line.trim().split(/\s+/)[0])).toEqual(ALL)
    expect(run.stderr).toContain(
      'Install with: sudo apt-get install -y --no-install-recommends chromium redis-server nginx\n',
    )
    expect(run.stderr).toContain('set CHROMIUM=/path/to/chrome')
    expect(lines.at(-1)).toBe(
      'Or run the rest without them: SSE_SKIP_SYSTEM=1 npm test (the suites that need them are skipped, and listed at the end).',
    )
    expectOneMessage(run)
    expect(box.apt()).toEqual([])
  })

  it('on a Mac: brew for redis and nginx, a Chrome path through CHROMIUM', () => {
    const box = machine({ installed: [] })
    const run = box.run(['install'], { uid: 501, platform: 'darwin' })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Install with Homebrew: brew install redis nginx\n')
    expect(run.stderr).toContain('set CHROMIUM=/path/to/chrome')
    expect(run.stderr).toContain('brew install --cask google-chrome')
    expect(run.stderr).not.toContain('apt-get')
    expectOneMessage(run)
  })

  it('on a Mac with only nginx missing: only nginx is named', () => {
    const box = machine({ installed: ['chromium', 'redis-server'] })
    const run = box.run(['check'], { uid: 501, platform: 'darwin' })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('npm test starts real program that is missing here:\n  nginx  the load balancer')
    expect(run.stderr).toContain('brew install nginx\n')
    expect(run.stderr).not.toMatch(/chromium|CHROMIUM|redis/)
    expect(run.stderr).toContain('SSE_SKIP_SYSTEM=nginx npm test')
  })

  it('another distribution (no apt-get), even as root: a message, no install', () => {
    const box = machine({ installed: ['chromium'] })
    const run = box.run(['install'], { uid: 0 })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      "Install redis-server, nginx with your system's package manager (Debian: apt-get install redis-server nginx).",
    )
    expect(run.stderr).toContain('SSE_SKIP_SYSTEM=redis-server,nginx npm test')
    expectOneMessage(run)
  })

  it('when apt-get fails, says which step and what apt-get said, and exits 1', () => {
    const box = machine({ installed: ['redis-server'], apt: 'fails' })
    const run = box.run(['install'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('apt-get install -y -qq --no-install-recommends chromium nginx failed:\n')
    expect(run.stderr).toContain('E: Unable to locate package nginx')
    expect(run.stderr).toContain('npm test starts real programs that are missing here:')
    expect(box.installed()).toEqual(['redis-server'])
  })

  describe('SSE_SKIP_SYSTEM', () => {
    it('=1 runs the rest: exit 0, naming the suites it will skip; nothing is installed, even as root', () => {
      const box = machine({ installed: ['chromium'], apt: 'works' })
      const run = box.run(['install'], { env: { SSE_SKIP_SYSTEM: '1' } })
      expect(run.code).toBe(0)
      expect(run.stderr).toBe('')
      const lines = run.stdout.trim().split('\n')
      expect(lines[0]).toBe(
        'SSE_SKIP_SYSTEM=1: running without redis-server, nginx; skipping (and listing again at the end):',
      )
      expect(lines.slice(1).map((line) => line.trim())).toEqual([
        'tests/channels/redis.test.ts',
        'tests/channels/failover.test.ts',
        'tests/channels/restart.test.ts',
        'runtimes/next/e2e/chat-redis.test.ts',
      ])
      expect(box.apt()).toEqual([])
    })

    it('a list opts out of those only: the others still stop the run', () => {
      const box = machine({ installed: ['redis-server'] })
      const run = box.run(['install'], { uid: 1000, env: { SSE_SKIP_SYSTEM: 'nginx' } })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('SSE_SKIP_SYSTEM=nginx: running without nginx;')
      expect(run.stderr).toContain('missing here:\n  chromium  the browser')
      expect(run.stderr).not.toContain('nginx')
      expect(run.stderr).toContain('SSE_SKIP_SYSTEM=chromium npm test')
    })

    it('as root, a program opted out is not installed; the others are', () => {
      const box = machine({ apt: 'works' })
      const run = box.run(['install'], { env: { SSE_SKIP_SYSTEM: 'chromium' } })
      expect(run.code).toBe(0)
      expect(box.apt()[1]?.args).toEqual(['install', '-y', '-qq', '--no-install-recommends', 'redis-server', 'nginx'])
    })

    it('naming an unknown program is a misuse (exit 2) that lists the names', () => {
      const box = machine({ installed: ALL })
      const run = box.run(['check'], { env: { SSE_SKIP_SYSTEM: 'redis' } })
      expect(run).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'SSE_SKIP_SYSTEM=redis: redis is not a system program of the tests. Use 1 (all), or some of: chromium, redis-server, nginx.\n',
      })
    })
  })

  describe('Chromium is found, not assumed', () => {
    it('CHROMIUM first, then chromium, chromium-browser, google-chrome, google-chrome-stable, chrome', () => {
      const box = machine({ installed: ['chrome', 'google-chrome-stable', 'google-chrome', 'chromium-browser'] })
      const env = { PATH: '', SSE_SYSTEM_PATH: box.system }
      const order = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']
      const own = join(scratch, 'my-chrome')
      executable(own)
      expect(findChromium({ ...env, CHROMIUM: own })).toBe(own)
      for (const name of order.slice(0, -1)) {
        executable(join(box.system, name))
        expect(findChromium(env)).toBe(join(box.system, name))
        rmSync(join(box.system, name))
      }
      expect(findChromium(env)).toBe(join(box.system, 'chrome'))
      rmSync(join(box.system, 'chrome'))
      expect(findChromium(env)).toBeUndefined()
    })

    it('a CHROMIUM that is not an executable is an error, not a reason to use another one or to install', () => {
      const box = machine({ installed: ALL, apt: 'works' })
      const run = box.run(['install'], { env: { CHROMIUM: '/nowhere/chrome' } })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(
        'the packed package in a Next app (CHROMIUM=/nowhere/chrome is not an executable file)',
      )
      expect(box.apt()).toEqual([])
    })

    it('a folder of the search path that holds a directory of that name does not count', () => {
      const box = machine({ installed: ['redis-server', 'nginx'] })
      mkdirSync(join(box.system, 'chromium'))
      expect(status({ PATH: '', SSE_SYSTEM_PATH: box.system }).map((s) => s.path !== undefined)).toEqual([
        false,
        true,
        true,
      ])
    })
  })

  it('without a command, lists where each program is (exit 1 when one is missing); a wrong command is exit 2', () => {
    const box = machine({ installed: ['chromium', 'nginx'] })
    expect(box.run([])).toEqual({
      code: 1,
      stdout: `chromium      ${box.system}/chromium\nredis-server  missing: not installed\nnginx         ${box.system}/nginx\n`,
      stderr: '',
    })
    expect(box.run(['instal']).code).toBe(2)
    const lines: string[] = []
    expect(main(['check'], { env: { PATH: '', SSE_SYSTEM_PATH: box.system }, err: (line) => lines.push(line) })).toBe(1)
    expect(lines.join('\n')).toContain('redis-server  the Redis backplane suites')
  })
})

describe('the helpers that start these programs', () => {
  const empty = join(scratch, 'empty')
  mkdirSync(empty, { recursive: true })
  const hide = () => {
    vi.stubEnv('PATH', empty)
    vi.stubEnv('SSE_SYSTEM_PATH', empty)
    vi.stubEnv('CHROMIUM', undefined)
  }
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('locate() names the program, why, and how to install it or skip it', () => {
    expect(() => locate('nginx', { PATH: empty, SSE_SYSTEM_PATH: empty })).toThrow(
      /^nginx is needed by this test \(the load balancer of the failover and restart suites\), and it is not installed\.\n.*\nOr skip the suites that need it: SSE_SKIP_SYSTEM=nginx npm test\.$/,
    )
  })

  it('startRedis() without redis-server: one clear error, not ENOENT', async () => {
    hide()
    const { startRedis } = await import('../../runtimes/harness/process')
    await expect(startRedis()).rejects.toThrow(/^redis-server is needed by this test/)
  })

  it('startNginx() without nginx: one clear error, not ENOENT', async () => {
    hide()
    const { startNginx } = await import('../helpers/nginx')
    await expect(startNginx([1])).rejects.toThrow(/^nginx is needed by this test/)
  })

  it('launch() without Chromium: one clear error naming CHROMIUM', async () => {
    hide()
    const { launch } = await import('../../runtimes/harness/browser')
    await expect(launch()).rejects.toThrow(/^chromium is needed by this test[\s\S]*CHROMIUM=\/path\/to\/chrome/)
  })
})

/*
 * The list is the one source of truth for which suites a missing program skips: every test file that
 * starts one of them must be listed (or it would fail instead of being skipped), and every listed
 * file must exist (or the list has gone stale after a move).
 */
describe('PROGRAMS lists every suite that starts them', () => {
  function testFiles(dir: string): string[] {
    return readdirSync(join(repo, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) return ['node_modules', '.next', 'fixtures'].includes(entry.name) ? [] : testFiles(path)
      return /\.test\.tsx?$/.test(entry.name) ? [path] : []
    })
  }
  // This file and the demo's check hide the programs rather than start them.
  const files = [...testFiles('tests'), ...testFiles('runtimes')].filter((file) => !file.startsWith('tests/scripts/'))
  const starts: Record<string, RegExp> = {
    chromium: /\b(browserForFile|launch)\(/,
    'redis-server': /\bstartRedis\(|['"]redis-server['"]/,
    nginx: /\bstartNginx\(|['"]nginx['"]/,
  }

  it.each(PROGRAMS.map((p) => [p.name, p] as const))('%s', (name, program) => {
    const starting = files.filter((file) => starts[name]!.test(readFileSync(join(repo, file), 'utf8')))
    expect(starting.length).toBeGreaterThan(0)
    expect([...program.suites].sort()).toEqual(starting.sort())
  })
})
