#!/usr/bin/env node
/**
 * The programs the test suites start for real (headless Chromium, redis-server, nginx), in one list read
 * by everything that needs it: `npm test` (its `pretest` step), `.ci/run`, the vitest config (which
 * suites to skip under SSE_SKIP_SYSTEM, and the summary printed last) and the test helpers that spawn
 * them (`locate()`, for one clear message instead of an ENOENT stack trace).
 *
 *   node scripts/system.mjs            where each program was found, or that it is missing
 *   node scripts/system.mjs check      exit 1 with one message naming what is missing and how to install it
 *   node scripts/system.mjs install    as check, but as root with apt-get (Debian) installs what is missing
 *
 * No dependencies: `.ci/run` runs it before `npm ci`.
 *
 * Environment:
 * - `SSE_SKIP_SYSTEM`: `1` (or `all`) lets `npm test` run without the missing programs, or a list of the
 *   ones to do without (`SSE_SKIP_SYSTEM=chromium,nginx`). The suites that need them are skipped, and
 *   named in a summary printed last. Nothing is installed for a program opted out.
 * - `CHROMIUM`: the Chromium or Chrome to use, before any other.
 * - `SSE_SYSTEM_PATH`: where to look for the programs instead of PATH and the usual directories (a
 *   PATH-like list). For programs installed somewhere unusual, and for this module's own tests.
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root folder. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The opt-out variable. */
export const SKIP_VARIABLE = 'SSE_SKIP_SYSTEM'

/** The variable that replaces the search path. */
export const SEARCH_VARIABLE = 'SSE_SYSTEM_PATH'

/**
 * @typedef {object} SystemProgram
 * @property {string} name What the messages call it, and a value of SSE_SKIP_SYSTEM.
 * @property {string} why What the tests use it for.
 * @property {string[]} suites The test files that need it, relative to the repository (vitest globs).
 * @property {string[]} commands Executable names looked for, in this order.
 * @property {string[]} [paths] Absolute paths looked at after the search path (application bundles).
 * @property {string} [variable] An environment variable naming the executable, used before anything else.
 * @property {{ apt: string, brew?: string }} packages The package that provides it, per package manager.
 * @property {string} [hint] What else to say about installing it.
 */

/**
 * What the test suites start for real. Add a program here and every user of the list follows: the
 * pretest check and install, CI, the skip list and its summary.
 *
 * @type {SystemProgram[]}
 * @example
 * import { PROGRAMS } from './scripts/system.mjs'
 * PROGRAMS.map((program) => program.name) // ['chromium', 'redis-server', 'nginx']
 */
export const PROGRAMS = [
  {
    name: 'chromium',
    why: "the browser of the end-to-end tests: the demo's pages and screenshots, wrangler dev's page, the packed package in a Next app",
    suites: [
      'runtimes/next/e2e/answer.test.ts',
      'runtimes/next/e2e/chat.test.ts',
      'runtimes/next/e2e/compare.test.ts',
      'runtimes/next/e2e/counter.test.ts',
      'runtimes/next/e2e/pages.test.ts',
      'runtimes/next/e2e/tabs.test.ts',
      'runtimes/node-http2/chromium.test.ts',
      'runtimes/workerd/wrangler.test.ts',
      'tests/channels/restart.test.ts',
      'tests/client/cross-origin.browser.test.ts',
      'tests/client/cross-tab.browser.test.ts',
      'tests/package/next.test.ts',
      'tests/react/cross-tab.browser.test.ts',
    ],
    commands: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'],
    paths: [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
    ],
    variable: 'CHROMIUM',
    packages: { apt: 'chromium' },
    hint: 'Chromium or Chrome: set CHROMIUM=/path/to/chrome to use one you have (Google Chrome in /Applications is found by itself; on a Mac: brew install --cask google-chrome).',
  },
  {
    name: 'redis-server',
    why: 'the Redis backplane suites and the chat shared by two Next instances start real Redis servers',
    suites: [
      'tests/channels/redis.test.ts',
      'tests/channels/failover.test.ts',
      'tests/channels/restart.test.ts',
      'runtimes/next/e2e/chat-redis.test.ts',
    ],
    commands: ['redis-server'],
    packages: { apt: 'redis-server', brew: 'redis' },
  },
  {
    name: 'nginx',
    why: 'the load balancer of the failover and restart suites',
    suites: ['tests/channels/failover.test.ts', 'tests/channels/restart.test.ts'],
    commands: ['nginx'],
    packages: { apt: 'nginx', brew: 'nginx' },
  },
]

/*
 * Looked at after PATH: where package managers put these programs when a user's PATH lacks the folder
 * (Debian installs nginx in /usr/sbin, which is not on a non-root user's PATH; Homebrew on Apple silicon
 * uses /opt/homebrew; snap uses /snap/bin).
 */
const USUAL_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']
const USUAL_DIRS_MORE = ['/opt/homebrew/bin', '/opt/homebrew/sbin', '/snap/bin']

function isExecutable(path) {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function pathList(value) {
  return (value ?? '').split(delimiter).filter(Boolean)
}

/** The first `command` found in `dirs`, as an absolute path. */
function which(command, dirs) {
  for (const dir of dirs) {
    const path = join(dir, command)
    if (isExecutable(path)) return path
  }
  return undefined
}

/**
 * Where one program is: `{ path }`, or `{ problem }` saying why it was not found.
 *
 * @param {SystemProgram} program
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ path: string } | { problem: string }}
 */
function inspect(program, env) {
  const chosen = program.variable ? env[program.variable] : undefined
  if (chosen) {
    // An explicit choice that does not work is an error, not a reason to quietly use another one.
    return isExecutable(chosen)
      ? { path: resolve(chosen) }
      : { problem: `${program.variable}=${chosen} is not an executable file` }
  }
  const own = env[SEARCH_VARIABLE]
  const dirs = own !== undefined ? pathList(own) : [...pathList(env.PATH), ...USUAL_DIRS, ...USUAL_DIRS_MORE]
  for (const command of program.commands) {
    const path = which(command, dirs)
    if (path) return { path }
  }
  if (own === undefined) for (const path of program.paths ?? []) if (isExecutable(path)) return { path }
  return { problem: 'not installed' }
}

/**
 * The program named `name` from {@link PROGRAMS}.
 *
 * @param {string} name
 * @returns {SystemProgram}
 * @example
 * program('nginx').packages.apt // 'nginx'
 */
export function program(name) {
  const found = PROGRAMS.find((p) => p.name === name)
  if (!found) throw new TypeError(`Unknown system program "${name}": one of ${PROGRAMS.map((p) => p.name).join(', ')}.`)
  return found
}

/**
 * The absolute path of a program, or `undefined` when it is missing.
 *
 * @param {string} name A name from {@link PROGRAMS}.
 * @param {NodeJS.ProcessEnv} [env] Defaults to `process.env`.
 * @returns {string | undefined}
 * @example
 * findProgram('nginx') // '/usr/sbin/nginx' on Debian, even when /usr/sbin is not on PATH
 */
export function findProgram(name, env = process.env) {
  const result = inspect(program(name), env)
  return 'path' in result ? result.path : undefined
}

/**
 * The Chromium (or Chrome) to drive: `CHROMIUM` if set (and executable), then `chromium`,
 * `chromium-browser`, `google-chrome`, `google-chrome-stable` and `chrome` on PATH and in the usual
 * folders, then the macOS application bundles of Google Chrome and Chromium.
 *
 * @param {NodeJS.ProcessEnv} [env] Defaults to `process.env`.
 * @returns {string | undefined} The executable's absolute path; `undefined` when there is none.
 * @example
 * chromium.launch({ executablePath: findChromium() })
 */
export function findChromium(env = process.env) {
  return findProgram('chromium', env)
}

/**
 * The absolute path of a program, for a helper about to spawn it; throws one clear error naming how to
 * install it when it is missing (instead of the spawn's ENOENT).
 *
 * @param {string} name A name from {@link PROGRAMS}.
 * @param {NodeJS.ProcessEnv} [env] Defaults to `process.env`.
 * @returns {string}
 * @example
 * spawn(locate('redis-server'), ['--port', '0'])
 */
export function locate(name, env = process.env) {
  const wanted = program(name)
  const result = inspect(wanted, env)
  if ('path' in result) return result.path
  const host = hostOf(env)
  const error = new Error(
    [
      `${name} is needed by this test (${wanted.why}), and ${result.problem === 'not installed' ? 'it is not installed' : result.problem}.`,
      ...installLines([wanted], host, canInstall(host)),
      `Or skip the suites that need it: ${SKIP_VARIABLE}=${name} npm test.`,
    ].join('\n'),
  )
  // The message is the whole story: a stack through vitest's internals adds nothing.
  error.stack = `Error: ${error.message}`
  throw error
}

/**
 * The programs opted out by `SSE_SKIP_SYSTEM`: `'all'`, or a set of names.
 *
 * @param {NodeJS.ProcessEnv} [env] Defaults to `process.env`.
 * @param {SystemProgram[]} [programs] The programs it may name. Defaults to {@link PROGRAMS}.
 * @returns {'all' | Set<string>}
 * @throws {TypeError} naming the valid names when the value names an unknown program.
 * @example
 * optedOut({ SSE_SKIP_SYSTEM: 'nginx' }) // Set { 'nginx' }
 */
export function optedOut(env = process.env, programs = PROGRAMS) {
  const value = (env[SKIP_VARIABLE] ?? '').trim()
  if (value === '' || /^(0|false|no)$/i.test(value)) return new Set()
  if (/^(1|true|yes|all)$/i.test(value)) return 'all'
  const names = value.split(/[\s,]+/).filter(Boolean)
  const unknown = names.filter((name) => !programs.some((p) => p.name === name))
  if (unknown.length > 0) {
    throw new TypeError(
      `${SKIP_VARIABLE}=${value}: ${unknown.join(', ')} is not a system program of the tests. Use 1 (all), or some of: ${programs.map((p) => p.name).join(', ')}.`,
    )
  }
  return new Set(names)
}

/**
 * @typedef {object} SystemStatus
 * @property {SystemProgram} program
 * @property {string} [path] Where it was found.
 * @property {string} [problem] Why it was not.
 * @property {boolean} skipped Missing, and opted out by SSE_SKIP_SYSTEM.
 */

/**
 * Every program of {@link PROGRAMS}, where it was found or why not, and whether it is opted out.
 *
 * @param {NodeJS.ProcessEnv} [env] Defaults to `process.env`.
 * @returns {SystemStatus[]}
 * @example
 * status().filter((s) => !s.path && !s.skipped) // what `npm test` still needs
 */
export function status(env = process.env) {
  const out = optedOut(env)
  return PROGRAMS.map((program) => {
    const result = inspect(program, env)
    if ('path' in result) return { program, path: result.path, skipped: false }
    return { program, problem: result.problem, skipped: out === 'all' || out.has(program.name) }
  })
}

/*
 * The machine, as far as installing goes: its platform, whether this process is root, and its apt-get,
 * found on PATH (never in the usual folders: what runs as root is what the user's PATH says).
 */
function hostOf(env) {
  const platform = process.platform
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  const apt = platform === 'linux' ? which('apt-get', pathList(env.PATH)) : undefined
  return { platform, root, apt }
}

function canInstall(host) {
  return host.platform === 'linux' && host.root && host.apt !== undefined
}

/**
 * How to install `programs` on `host`, as lines for a message; `automatic` when `npm test` would install
 * them by itself (root, apt-get) and the message comes from somewhere that does not (check, a helper).
 */
function installLines(programs, host, automatic = false) {
  const lines = []
  if (host.platform === 'darwin') {
    const formulas = programs.flatMap((p) => (p.packages.brew ? [p.packages.brew] : []))
    if (formulas.length > 0) lines.push(`Install with Homebrew: brew install ${formulas.join(' ')}`)
  } else if (host.apt) {
    const packages = programs.map((p) => p.packages.apt).join(' ')
    lines.push(
      `Install with: ${host.root ? '' : 'sudo '}apt-get install -y --no-install-recommends ${packages}` +
        (automatic ? ' (npm test does it by itself: node scripts/system.mjs install)' : ''),
    )
  } else {
    const names = programs.map((p) => (p.name === 'chromium' ? 'Chromium (or Chrome)' : p.name)).join(', ')
    lines.push(
      `Install ${names} with your system's package manager (Debian: apt-get install ${programs.map((p) => p.packages.apt).join(' ')}).`,
    )
  }
  for (const program of programs) if (program.hint) lines.push(program.hint)
  return lines
}

function table(statuses) {
  const width = Math.max(...statuses.map((s) => s.program.name.length))
  return statuses.map((s) => {
    const problem = s.problem && s.problem !== 'not installed' ? ` (${s.problem})` : ''
    return `  ${s.program.name.padEnd(width)}  ${s.program.why}${problem}`
  })
}

function plural(count, one, many) {
  return count === 1 ? one : many
}

/** The message for programs that are missing and will not be installed. */
function missingMessage(missing, host, automatic = false) {
  const names = missing.map((s) => s.program.name)
  return [
    `npm test starts real ${plural(missing.length, 'program', 'programs')} that ${plural(missing.length, 'is', 'are')} missing here:`,
    ...table(missing),
    ...installLines(
      missing.map((s) => s.program),
      host,
      automatic,
    ),
    `Or run the rest without ${plural(missing.length, 'it', 'them')}: ${SKIP_VARIABLE}=${missing.length === PROGRAMS.length ? '1' : names.join(',')} npm test (the suites that need ${plural(missing.length, 'it', 'them')} are skipped, and listed at the end).`,
  ].join('\n')
}

function run(command, args, env) {
  const result = spawnSync(command, args, {
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error.message) : ''}`
  return { ok: result.status === 0, output }
}

/**
 * The CLI: `check`, `install` or (without an argument) the status table. Returns the exit code.
 *
 * @param {string[]} args The arguments after the script.
 * @param {{ env?: NodeJS.ProcessEnv, out?: (line: string) => void, err?: (line: string) => void }} [io]
 *   Defaults to `process.env`, `console.log` and `console.error`.
 * @returns {number} 0 when every program is there (or installed, or opted out); 1 when one is missing;
 *   2 for a misuse.
 * @example
 * process.exitCode = main(['check'])
 */
export function main(args, io = {}) {
  const env = io.env ?? process.env
  const out = io.out ?? ((line) => console.log(line))
  const err = io.err ?? ((line) => console.error(line))
  const [command = 'status', ...rest] = args
  if (!['status', 'check', 'install'].includes(command) || rest.length > 0) {
    err('Usage: node scripts/system.mjs [status|check|install]')
    return 2
  }
  let statuses
  try {
    statuses = status(env)
  } catch (error) {
    err(/** @type {Error} */ (error).message)
    return 2
  }
  if (command === 'status') {
    const width = Math.max(...statuses.map((s) => s.program.name.length))
    for (const s of statuses) out(`${s.program.name.padEnd(width)}  ${s.path ?? `missing: ${s.problem}`}`)
    return statuses.some((s) => !s.path) ? 1 : 0
  }

  const skipped = statuses.filter((s) => s.skipped)
  if (skipped.length > 0) {
    out(
      `${SKIP_VARIABLE}=${env[SKIP_VARIABLE]}: running without ${skipped.map((s) => s.program.name).join(', ')}; skipping (and listing again at the end):`,
    )
    for (const suite of new Set(skipped.flatMap((s) => s.program.suites))) out(`  ${suite}`)
  }
  const missing = statuses.filter((s) => !s.path && !s.skipped)
  if (missing.length === 0) return 0

  const host = hostOf(env)
  // An explicit CHROMIUM that does not work is the user's to fix: installing a package would not help.
  const fixable = missing.filter((s) => s.problem === 'not installed')
  if (command !== 'install' || !canInstall(host) || fixable.length < missing.length) {
    err(missingMessage(missing, host, command === 'check' && canInstall(host)))
    return 1
  }

  const packages = missing.map((s) => s.program.packages.apt)
  out(`Installing with apt-get what the test suites start for real (once: a second run finds them):`)
  for (const line of table(missing)) out(line)
  const started = Date.now()
  // A fresh Debian machine has no package lists yet; stale ones point at files the mirror dropped.
  for (const step of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
  ]) {
    out(`$ apt-get ${step.join(' ')}`)
    const result = run(/** @type {string} */ (host.apt), step, env)
    if (!result.ok) {
      err(`apt-get ${step.join(' ')} failed:\n${result.output.trim()}`)
      err(missingMessage(missing, host))
      return 1
    }
  }
  const still = status(env).filter((s) => !s.path && !s.skipped)
  if (still.length > 0) {
    err(`apt-get installed ${packages.join(' ')}, but these are still not found:`)
    err(missingMessage(still, host))
    return 1
  }
  out(`Installed ${packages.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s.`)
  return 0
}

/**
 * A vitest reporter that leaves out the suites whose program is missing and opted out (SSE_SKIP_SYSTEM),
 * in every project, and prints what was skipped and why as the last thing of the run. Without the
 * opt-out it skips nothing; if a program is missing, it says last which failures that explains.
 *
 * @param {{ env?: NodeJS.ProcessEnv, programs?: SystemProgram[], root?: string }} [options] Defaults to
 *   `process.env`, {@link PROGRAMS} and the repository's root (the folder `suites` are relative to).
 * @returns {import('vitest/node').Reporter}
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { reporters: ['default', systemReporter()] } })
 */
export function systemReporter(options = {}) {
  const env = options.env ?? process.env
  const programs = options.programs ?? PROGRAMS
  const root = options.root ?? REPO
  /** @type {{ program: SystemProgram, problem: string, skipped: boolean }[]} */
  let absent = []
  /** @type {(line: string) => void} */
  let print = (line) => console.log(line)
  return {
    onInit(vitest) {
      print = (line) => vitest.logger.log(line)
      const out = optedOut(env, programs)
      absent = programs.flatMap((program) => {
        const result = inspect(program, env)
        if ('path' in result) return []
        return [{ program, problem: result.problem, skipped: out === 'all' || out.has(program.name) }]
      })
      const globs = absent.filter((a) => a.skipped).flatMap((a) => a.program.suites)
      // Each project globs its files from its own folder: a suite outside it cannot be one of them.
      for (const project of vitest.projects) {
        const base = project.config.dir || project.config.root
        for (const glob of globs) {
          const path = relative(base, join(root, glob)).split(sep).join('/')
          if (!path.startsWith('../')) project.config.exclude.push(path)
        }
      }
    },
    onTestRunEnd(testModules) {
      // Not opted out, a missing program only matters to the suites of this run that need it.
      const ran = new Set(testModules.map((module) => module.moduleId))
      const failing = absent
        .filter((a) => !a.skipped)
        .map((a) => ({ ...a, suites: a.program.suites.filter((suite) => ran.has(join(root, suite))) }))
        .filter((a) => a.suites.length > 0)
      const skipped = absent.filter((a) => a.skipped).map((a) => ({ ...a, suites: a.program.suites }))
      if (skipped.length + failing.length === 0) return
      const color = process.stdout.isTTY && !env.NO_COLOR
      const loud = (text) => (color ? `\x1b[1;33m${text}\x1b[0m` : text)
      const rule = '━'.repeat(78)
      const lines = ['', loud(rule)]
      // Named per program rather than counted: a run of some projects only holds some of these files.
      if (skipped.length > 0) {
        const names = skipped.map((a) => a.program.name).join(', ')
        lines.push(
          loud(` NOT A FULL RUN: the suites that need ${names} were skipped (${SKIP_VARIABLE}=${env[SKIP_VARIABLE]})`),
        )
      }
      for (const a of [...skipped, ...failing]) {
        lines.push(
          ` ${a.program.name} is ${a.problem === 'not installed' ? 'missing' : a.problem}: ${a.program.why}.`,
          a.skipped ? '   skipped:' : '   these fail for that reason:',
          ...a.suites.map((suite) => `     ${suite}`),
        )
      }
      lines.push(
        failing.length > 0
          ? ` Install ${plural(failing.length, 'it', 'them')} (node scripts/system.mjs check says how), or set ${SKIP_VARIABLE}=${failing.map((a) => a.program.name).join(',')} to skip ${plural(failing.length, 'its', 'their')} suites.`
          : ' Install them (node scripts/system.mjs check says how) and run npm test again for a full run.',
        loud(rule),
      )
      for (const line of lines) print(line)
    },
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2))
}
