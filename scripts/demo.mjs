#!/usr/bin/env node
/**
 * `npm run demo` (`npm run build && node scripts/demo.mjs`): builds the Next.js demo app in runtimes/next
 * (`next build`, skipped when the build is newer than everything it is made of) and serves it with
 * `next start` on http://127.0.0.1:3000. Ctrl-C stops it and every process it started.
 *
 *   node scripts/demo.mjs [--port 3000] [--rebuild]
 *
 * Needs nothing else: channels live in memory. With REDIS_URL set, the chat rooms use Redis Streams.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const app = join(repo, 'runtimes/next')
const next = join(repo, 'node_modules/.bin/next')

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    rebuild: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log('Usage: node scripts/demo.mjs [--port 3000] [--host 127.0.0.1] [--rebuild]')
  process.exit(0)
}
const url = `http://${values.host}:${values.port}`

/*
 * Each command runs behind a tiny guard that leads its own process group and kills the whole group when
 * its stdin closes, which happens when this script dies in any way (even SIGKILL). `next start` forks
 * `next-server`: killing `next start` alone would leave the server listening.
 */
const guard = `
const child = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' })
const down = () => { try { process.kill(0, 'SIGKILL') } catch {} }
process.stdin.on('end', down).on('error', down).resume()
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
`

/** The running command, stopped by Ctrl-C. */
let current

function run(command, args) {
  const child = spawn(process.execPath, ['-e', guard, command, ...args], {
    cwd: app,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['pipe', 'inherit', 'inherit'],
    detached: true,
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
  current = { child, exited }
  return exited
}

/** Stops the running command's whole group: SIGTERM, then SIGKILL if it is still there after 5 s. */
async function stop() {
  if (!current) return
  const { child, exited } = current
  const signal = (name) => {
    try {
      process.kill(-child.pid, name)
    } catch {
      // The group is gone already.
    }
  }
  signal('SIGTERM')
  const force = setTimeout(() => signal('SIGKILL'), 5_000)
  await exited
  clearTimeout(force)
  signal('SIGKILL') // whatever outlived the leader
}

let stopping = false
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(name, async () => {
    if (stopping) return
    stopping = true
    console.log('\nStopping the demo…')
    await stop()
    process.exit(0)
  })
}

function newest(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/** The build is fresh when it is newer than the app, its config, the package's dist/ and the contract app. */
function isFresh() {
  const built = newest(join(app, '.next/BUILD_ID'))
  const inputs = ['app', 'next.config.ts', 'tsconfig.json'].map((p) => join(app, p))
  inputs.push(join(repo, 'dist'), join(repo, 'package.json'), join(repo, 'runtimes/contract'))
  return built > 0 && inputs.every((input) => newest(input) < built)
}

async function waitUntilServing(exited) {
  let gone = false
  exited.then(() => {
    gone = true
  })
  while (!gone) {
    try {
      if ((await fetch(url)).ok) return true
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return false
}

if (!existsSync(join(repo, 'dist/server.js'))) {
  console.error('dist/ is missing: build the library first (npm run build), or use `npm run demo`.')
  process.exit(1)
}

if (values.rebuild || !isFresh()) {
  console.log('Building the demo app (next build)…')
  const code = await run(next, ['build'])
  if (stopping) await new Promise(() => {}) // the signal handler exits
  if (code !== 0) {
    console.error(`next build failed (exit code ${code}).`)
    process.exit(code)
  }
} else {
  console.log('The demo app is already built (pass --rebuild to build it again).')
}

const serving = run(next, ['start', '--port', values.port, '--hostname', values.host])
if (await waitUntilServing(serving)) {
  console.log(`\n  use-next-sse demo: ${url}`)
  console.log(
    `  chat rooms on ${process.env.REDIS_URL ? `Redis (${process.env.REDIS_URL})` : 'the in-memory backplane'}`,
  )
  console.log('  press Ctrl-C to stop\n')
}
const code = await serving
if (!stopping) {
  console.error(`next start exited with code ${code}${code ? ` (is port ${values.port} free?)` : ''}.`)
  process.exit(code || 1)
}
