/**
 * Fixture projects for the packed tarball: each is a folder under the system temp directory with the
 * tarball installed by npm (offline: the package has no dependencies of its own) and the heavy tools a
 * fixture needs (Next, React, Vite, TypeScript...) symlinked from this repository's node_modules, so CI
 * downloads nothing per fixture. The symlinks resolve to the repository's copies, and so do their own
 * imports; `use-next-sse` resolves only to the installed tarball (checked by `installedPackage`).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, parse, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { startGuarded } from '../../runtimes/harness/process'

export const repo = fileURLToPath(new URL('../..', import.meta.url))
const repoModules = join(repo, 'node_modules')

/** A binary of the repository's dev dependencies. */
export const bin = (name: string) => join(repoModules, '.bin', name)

/** The versions the repository pins, to declare in fixtures the way an app would. */
export const pinned = (...names: string[]) => {
  const { devDependencies } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>
  }
  return Object.fromEntries(names.map((name) => [name, devDependencies[name] ?? '*']))
}

/** Keeps every tool off the network (see /work/shared/TOOLCHAIN.md). */
export const quietEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
}

export interface RunResult {
  code: number | null
  stdout: string
  /** stdout and stderr interleaved. */
  output: string
}

/**
 * Runs a command to completion in its own process group, which goes down with it (and with vitest,
 * however vitest dies). Rejects with the output on a non-zero exit unless `allowFailure` is set.
 */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean },
): Promise<RunResult> {
  const guarded = startGuarded(command, args, { cwd: options.cwd, env: options.env ?? quietEnv })
  let stdout = ''
  guarded.child.stdout?.on('data', (chunk) => (stdout += chunk))
  const code = await new Promise<number | null>((resolve) => guarded.child.on('exit', (c) => resolve(c)))
  await guarded.kill()
  const output = guarded.output()
  if (code !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited with ${code}:\n${output}`)
  }
  return { code, stdout, output }
}

export interface Fixture {
  dir: string
  /** An absolute path inside the fixture. */
  path(...parts: string[]): string
  read(...parts: string[]): string
  remove(): void
}

export interface FixtureOptions {
  /** Packages to symlink from the repository's node_modules (`next`, `@types/react`...). */
  link?: string[]
  /** A folder under tests/package/fixtures/ copied into the fixture. */
  template?: string
  /** Extra files, by relative path. */
  files?: Record<string, string>
  /**
   * Merged into the package.json npm wrote (`dependencies` and `devDependencies` key by key), after the
   * install, so npm never tries to fetch what they declare.
   */
  packageJson?: Record<string, unknown>
}

/** Creates a fixture project in a fresh temp folder and installs the tarball into it with npm. */
export async function createFixture(name: string, tarball: string, options: FixtureOptions = {}): Promise<Fixture> {
  // realpath: the temp folder may itself be a symlink (macOS), and paths are compared below.
  const dir = mkdtempSync(join(realpathSync(tmpdir()), `use-next-sse-${name}-`))
  const fixture: Fixture = {
    dir,
    path: (...parts) => join(dir, ...parts),
    read: (...parts) => readFileSync(join(dir, ...parts), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
  try {
    writeJson(join(dir, 'package.json'), { name: `fixture-${name}`, version: '0.0.0', private: true, type: 'module' })
    // --offline: the tarball has no dependencies and its peers are optional, so npm needs no registry.
    await run('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund', '--offline'], { cwd: dir })
    for (const pkg of options.link ?? []) {
      const target = join(repoModules, pkg)
      if (!existsSync(target)) throw new Error(`${pkg} is not installed in the repository: run npm ci`)
      mkdirSync(dirname(join(dir, 'node_modules', pkg)), { recursive: true })
      symlinkSync(target, join(dir, 'node_modules', pkg), 'dir')
    }
    if (options.template) cpSync(join(repo, 'tests/package/fixtures', options.template), dir, { recursive: true })
    for (const [file, text] of Object.entries(options.files ?? {})) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
    if (options.packageJson) {
      const written = JSON.parse(fixture.read('package.json')) as Record<string, Record<string, string>>
      const extra = options.packageJson as Record<string, Record<string, string>>
      const merged = { ...written, ...extra }
      for (const key of ['dependencies', 'devDependencies']) merged[key] = { ...written[key], ...extra[key] }
      writeJson(join(dir, 'package.json'), merged)
    }
    return fixture
  } catch (error) {
    fixture.remove()
    throw error
  }
}

function writeJson(file: string, value: unknown) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

/**
 * Where `use-next-sse` resolves from inside the fixture, with the checks that make it the installed
 * tarball: a real folder (not a link back to the repository) in the fixture's own node_modules.
 */
export function installedPackage(fixture: Fixture): string {
  // Resolved as a module of the fixture would: `require.resolve(x, { paths })` would try a self-reference
  // from this file first, and find the repository itself.
  const manifest = createRequire(fixture.path('package.json')).resolve('use-next-sse/package.json')
  const real = realpathSync(manifest)
  const expected = fixture.path('node_modules', 'use-next-sse', 'package.json')
  if (real !== expected)
    throw new Error(`use-next-sse resolves to ${real} in ${fixture.dir}, not the installed tarball`)
  return dirname(real)
}

/** The deepest folder containing both paths (Turbopack compiles only files under its root). */
export function commonAncestor(a: string, b: string): string {
  const left = a.split(sep)
  const right = b.split(sep)
  let i = 0
  while (i < left.length && i < right.length && left[i] === right[i]) i++
  return left.slice(0, i).join(sep) || parse(a).root
}

/** The repository's node_modules, resolved (the symlinked tools live there). */
export const repoModulesReal = () => realpathSync(repoModules)

/*
 * Strings that only the client code (the connection under the EventSource, the store and the hook)
 * contains, and strings that only the server code contains. Minifiers keep string literals, so a
 * bundle holds one of these exactly when it holds that code. `checkMarkers` keeps them honest
 * against the installed dist/.
 */
export const CLIENT_MARKERS = ['Gave up reconnecting', 'Not text/event-stream: ']
export const SERVER_MARKERS = ['X-Accel-Buffering', 'createSSEHandler expects a callback']

/** Throws unless each marker is in the dist files of its side and in none of the other side's. */
export function checkMarkers(packageDir: string) {
  const read = (file: string) => readFileSync(join(packageDir, 'dist', file), 'utf8')
  const client = read('client.js') + read('react.js')
  const server = read('server.js') + read('core.js')
  for (const [markers, own, other, side] of [
    [CLIENT_MARKERS, client, server, 'client'],
    [SERVER_MARKERS, server, client, 'server'],
  ] as const) {
    for (const marker of markers) {
      if (!own.includes(marker) || other.includes(marker)) {
        throw new Error(`"${marker}" no longer marks the ${side} code in dist/: pick another ${side}-only string`)
      }
    }
  }
}

export const containsAny = (text: string, markers: readonly string[]) => markers.filter((m) => text.includes(m))

/**
 * Reads `count` events from an SSE endpoint with an independent parser (eventsource-parser), then
 * aborts the request, as a closing tab would. Fails after 30 s without them.
 */
export async function readEvents(url: string, count: number, init: RequestInit = {}) {
  const leave = new AbortController()
  const signal = AbortSignal.any([leave.signal, AbortSignal.timeout(30_000)])
  const response = await fetch(url, { ...init, signal })
  const events: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (event) => events.push(event) })
  const decoder = new TextDecoder()
  try {
    if (!response.body) throw new Error(`${url} answered ${response.status} without a body`)
    const reader = response.body.getReader()
    while (events.length < count) {
      const { done, value } = await reader.read()
      if (done) break
      parser.feed(decoder.decode(value, { stream: true }))
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`${url}: ${events.length} of ${count} events within 30 s`)
    throw error
  } finally {
    leave.abort()
  }
  return { response, events }
}
