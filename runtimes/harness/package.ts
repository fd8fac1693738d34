/**
 * The published package where users put it, for the suites that check it (tests/package, and the
 * framework fixtures of runtimes/frameworks): `npm pack` of the built dist/ once per test run, and
 * fixture projects, each a folder under the system temp directory with the tarball installed by npm
 * (offline: the package has no dependencies of its own) and the heavy tools a fixture needs (Next,
 * React, Vite, Express...) symlinked from this repository's node_modules, so CI downloads nothing per
 * fixture. The symlinks resolve to the repository's copies, and so do their own imports; `use-next-sse`
 * resolves only to the installed tarball (checked by `installedPackage`).
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
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startGuarded } from './process'

export const repo = fileURLToPath(new URL('../..', import.meta.url))
/** The repository's node_modules, where a fixture's symlinked tools live. */
export const repoModules = join(repo, 'node_modules')

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
  /** A folder (absolute path) whose files are copied into the fixture. */
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
    if (options.template) cpSync(options.template, dir, { recursive: true })
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

/** The packed tarball and the files in it. */
export interface Packed {
  /** The tarball's absolute path. */
  tarball: string
  /** The files inside it, as `npm pack` lists them. */
  files: string[]
}

/** How many global setups use the pack of this run, and the pack itself (see {@link packOnce}). */
interface Shared {
  users: number
  packed: Promise<Packed & { dir: string }>
}
const SHARED = Symbol.for('use-next-sse.packed')

async function pack(): Promise<Packed & { dir: string }> {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), 'use-next-sse-pack-'))
  try {
    // Any other tarball can be checked the same way (a release candidate, a published version fetched
    // with `npm pack use-next-sse@x`): its files are listed with `tar`.
    const given = process.env.USE_NEXT_SSE_TARBALL
    if (given) {
      const { stdout } = await run('tar', ['-tzf', given], { cwd: dir })
      const files = stdout
        .split('\n')
        .filter((line) => line.startsWith('package/') && !line.endsWith('/'))
        .map((line) => line.slice('package/'.length))
      return { dir, tarball: resolve(given), files }
    }
    if (!existsSync(join(repo, 'dist/server.js'))) throw new Error('dist/ is missing: run `npm run build` first.')
    // --ignore-scripts: pack what `npm run build` made, without running lifecycle scripts again.
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: repo,
    })
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
    if (!packed) throw new Error(`npm pack printed no package:\n${stdout}`)
    return { dir, tarball: join(dir, packed.filename), files: packed.files.map((file) => file.path) }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/**
 * Packs the repository as `npm publish` would (same `files`, same package.json), once for the whole
 * test run: every project's global setup that calls it gets the same tarball (they all run in vitest's
 * main process, where the pack is kept on `globalThis`, since each project loads its own copy of this
 * module). `USE_NEXT_SSE_TARBALL=<path.tgz>` checks that tarball instead. Call the returned `release`
 * from the setup's teardown: the last one deletes the tarball.
 *
 * @example
 * ```ts
 * export default async function setup(project: TestProject) {
 *   const { tarball, release } = await packOnce()
 *   project.provide('tarball', tarball)
 *   return release
 * }
 * ```
 */
export async function packOnce(): Promise<Packed & { release(): void }> {
  const holder = globalThis as { [SHARED]?: Shared }
  holder[SHARED] ??= { users: 0, packed: pack() }
  const shared = holder[SHARED]
  shared.users++
  let released = false
  const release = () => {
    if (released) return
    released = true
    if (--shared.users > 0) return
    delete holder[SHARED]
    shared.packed.then(({ dir }) => rmSync(dir, { recursive: true, force: true })).catch(() => {})
  }
  try {
    const { tarball, files } = await shared.packed
    return { tarball, files, release }
  } catch (error) {
    release()
    throw error
  }
}
