/**
 * The processes the suites start (`next start`, `wrangler dev`, redis-server, nginx, app instances):
 * each is the leader of its own process group, and the whole group goes down with it, even when vitest
 * itself is killed without tearing down. Ports come from the kernel (port 0), never fixed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { locate } from '../../scripts/system.mjs'
import { poll } from './poll'

/*
 * A tiny wrapper runs the command: `setsid` (detached) makes it a group leader, and it kills its whole
 * group when its stdin pipe closes, which happens when vitest dies, even by SIGKILL. `next start` forks
 * `next-server`, which killing `next start` alone would leave listening.
 */
const guard = `
const child = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: ['ignore', 'inherit', 'inherit'] })
const down = () => { try { process.kill(0, 'SIGKILL') } catch {} }
process.stdin.on('end', down).on('error', down).resume()
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
`

export interface Guarded {
  child: ChildProcess
  /** Everything the command printed so far. */
  output(): string
  /** Resolves when the command exits 0, rejects with its output otherwise. */
  exited: Promise<void>
  /**
   * Kills the whole group: SIGTERM, SIGKILL after 5 s, then SIGKILL to whatever outlived the leader.
   * `kill('SIGKILL')` skips the SIGTERM, as a crash would.
   */
  kill(signal?: 'SIGKILL'): Promise<void>
}

/** What a started command gets: its working directory, and variables added to this process's `env`. */
export interface StartOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
}

/**
 * Starts `command` in its own guarded process group, collecting its output.
 *
 * @example
 * ```ts
 * const server = startGuarded(next, ['start', '--port', String(port)], { cwd: app })
 * await server.kill()
 * ```
 */
export function startGuarded(command: string, args: string[], options: StartOptions = {}): Guarded {
  const child = spawn(process.execPath, ['-e', guard, command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: 'pipe',
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)),
    )
  })
  exited.catch(() => {}) // Observed by whoever awaits it; a server killed on purpose must not warn.
  const running = () => child.exitCode === null && child.signalCode === null
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name)
    } catch {
      // The group is already gone.
    }
  }
  const kill = async (first: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (running()) {
      const gone = new Promise((resolve) => child.once('exit', resolve))
      signal(first)
      const force = setTimeout(() => signal('SIGKILL'), 5_000)
      await gone
      clearTimeout(force)
    }
    signal('SIGKILL')
  }
  return { child, output: () => output, exited, kill }
}

/** A port free on loopback right now (another process may still take it: {@link startOnFreePorts} retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Polls `url` until it answers 2xx; fails if the server exits first or after `timeout` ms. */
export async function waitForHttp(url: string, server: Guarded, timeout = 60_000): Promise<void> {
  await ready(server, async () => (await fetch(url)).ok, `${url} to answer`, timeout)
}

/** Polls the server's output until it shows `text`; fails if the server exits first or after `timeout` ms. */
export async function waitForOutput(server: Guarded, text: string, timeout = 15_000): Promise<void> {
  await ready(server, () => server.output().includes(text), JSON.stringify(text), timeout)
}

async function ready(server: Guarded, check: () => boolean | Promise<boolean>, what: string, timeout: number) {
  // An exit is an answer too, so that a server that died is reported at once, not at the deadline.
  const exited = () => server.child.exitCode !== null || server.child.signalCode !== null
  await poll(async () => exited() || (await check()), Boolean, what, timeout)
  if (exited()) throw new Error(`the server exited with ${server.child.exitCode ?? server.child.signalCode}`)
}

export interface OnFreePortsOptions extends StartOptions {
  /** The command line, given the free ports found; the first port is the one it serves on. */
  args(ports: number[]): string[]
  /** How many free ports the command needs. Defaults to 1. */
  ports?: number
  /** Resolves once the server is ready (`url` is `http://127.0.0.1:<first port>`); rejects otherwise. */
  ready(server: Guarded, url: string): Promise<void>
}

/**
 * Starts a server on free loopback ports and waits until it is ready. A port can be taken between the
 * probe and the server's listen: then it tries other ports, three times in all.
 *
 * @example
 * ```ts
 * const { server, url } = await startOnFreePorts(next, {
 *   args: ([port]) => ['start', '--port', String(port), '--hostname', '127.0.0.1'],
 *   ready: (server, url) => waitForHttp(`${url}/api/health`, server),
 *   cwd: app,
 * })
 * ```
 */
export async function startOnFreePorts(
  command: string,
  options: OnFreePortsOptions,
): Promise<{ server: Guarded; port: number; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = []
    for (let i = 0; i < (options.ports ?? 1); i++) ports.push(await freePort())
    const port = ports[0]!
    const url = `http://127.0.0.1:${port}`
    const server = startGuarded(command, options.args(ports), options)
    try {
      await options.ready(server, url)
      return { server, port, url }
    } catch (error) {
      await server.kill()
      if (attempt < 3 && /EADDRINUSE|address already in use/i.test(server.output())) continue
      throw new Error(`${(error as Error).message}\n${server.output()}`)
    }
  }
}

/**
 * A real redis-server on a free loopback port, in its own temporary directory (removed by `stop`).
 * `durable` fsyncs every accepted write, so a `crash()` loses nothing Redis acknowledged.
 *
 * @example
 * ```ts
 * const redis = await startRedis()
 * const client = createClient({ url: redis.url })
 * await redis.stop()
 * ```
 */
export async function startRedis(options: { durable?: boolean; extra?: string[] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sse-redis-'))
  const args = (port: number) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    ...(options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.extra ?? []),
  ]
  const isReady = (server: Guarded) => waitForOutput(server, 'Ready to accept connections')
  let { server, port } = await startOnFreePorts(locate('redis-server'), {
    args: ([port]) => args(port!),
    cwd: dir,
    ready: isReady,
  })
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    output: () => server.output(),
    /** kill -9, as a crash would. */
    crash: () => server.kill('SIGKILL'),
    /**
     * Stops (SIGSTOP) or continues (SIGCONT) the server: stopped, it keeps its connections open and
     * answers nothing, as a hung host or a half-open connection does.
     */
    freeze: (frozen: boolean) => process.kill(-server.child.pid!, frozen ? 'SIGSTOP' : 'SIGCONT'),
    /** Starts it again on the same port and directory (after a crash: with what it had fsynced). */
    async restart() {
      server = startGuarded(locate('redis-server'), args(port), { cwd: dir })
      await isReady(server)
    },
    async stop() {
      await server.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
