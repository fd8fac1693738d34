/**
 * Servers the runtime projects start as child processes (`next start`, later `wrangler dev`): each is
 * the leader of its own process group, and the whole group goes down with it, even when vitest itself
 * is killed without tearing down.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

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
  /** Kills the whole group: SIGTERM, SIGKILL after 5 s, then SIGKILL to whatever outlived the leader. */
  kill(): Promise<void>
}

export function startGuarded(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(process.execPath, ['-e', guard, command, ...args], { ...options, stdio: 'pipe', detached: true })
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
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name)
    } catch {
      // The group is already gone.
    }
  }
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve))
      signal('SIGTERM')
      const force = setTimeout(() => signal('SIGKILL'), 5_000)
      await gone
      clearTimeout(force)
    }
    signal('SIGKILL')
  }
  return { child, output: () => output, exited, kill } satisfies Guarded
}

/** A port free on loopback right now (another process may still take it: callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Polls `url` until it answers 2xx; fails if the server exits first or after `timeout` ms. */
export async function waitForHttp(url: string, server: Guarded, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`the server exited with ${server.child.exitCode}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${url} did not answer within ${timeout / 1000} s`)
}
