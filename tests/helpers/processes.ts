import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { locate } from '../../scripts/system.mjs'

/** A free loopback port, found by letting the kernel pick one. */
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

/** Resolves when `check` resolves true; polls until `timeout` ms (a generous bound, not an assertion). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeout = 15_000, what = 'condition') {
  const deadline = Date.now() + timeout
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Spawns a process in its own group, collecting output, so it and its children can be killed together. */
export function start(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d) => {
    output += d
  })
  child.stderr?.on('data', (d) => {
    output += d
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    exited,
    get output() {
      return output
    },
    /** Kills the whole process group; `SIGKILL` for a crash. */
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return
      try {
        process.kill(-(child.pid as number), signal)
      } catch {
        // already gone
      }
      await exited
    },
  }
}

export type Started = ReturnType<typeof start>

/** A real redis-server on a free loopback port, in its own temporary directory. */
export async function startRedis(options: { durable?: boolean; extra?: string[] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sse-redis-'))
  const port = await freePort()
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    // Durable mode: every accepted write is fsynced, so a kill -9 loses nothing Redis acknowledged.
    ...(options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.extra ?? []),
  ]
  let proc: Started
  const launch = async () => {
    proc = start(locate('redis-server'), args)
    await waitFor(() => proc.output.includes('Ready to accept connections'), 15_000, 'redis-server')
  }
  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get output() {
      return proc.output
    },
    /** kill -9, as a crash would. */
    crash: () => proc.kill('SIGKILL'),
    restart: launch,
    stop: () => proc.kill('SIGKILL'),
  }
}
