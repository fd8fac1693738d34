/**
 * `npm install && npm run demo` needs nothing from the system: the demo's start-up (scripts/demo.mjs,
 * what `npm run demo` runs once the library is built) serves the demo with Chromium, redis-server and
 * nginx out of sight: its PATH is a folder of links to every program of this machine's PATH but those.
 * It reuses the Next build when it is fresh (the `next` project's global setup makes one), and builds it
 * otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EventSource } from 'use-next-sse/client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { until } from '../../runtimes/harness/poll'
import { freePort } from '../../runtimes/harness/process'
import { PROGRAMS, status } from '../../scripts/system.mjs'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const bin = mkdtempSync(join(tmpdir(), 'sse-demo-path-'))
const hidden = new Set(PROGRAMS.flatMap((program) => program.commands))

// This machine's PATH, minus the system programs of the tests (node, npm and the rest stay reachable).
for (const dir of (process.env.PATH ?? '').split(delimiter)) {
  let names: string[] = []
  try {
    names = readdirSync(dir)
  } catch {
    continue // A PATH entry that does not exist.
  }
  for (const name of names) {
    if (hidden.has(name)) continue
    try {
      symlinkSync(join(dir, name), join(bin, name))
    } catch {
      // The same name earlier on PATH wins, as it does for a shell.
    }
  }
}
const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin }
delete env.CHROMIUM
delete env.REDIS_URL

let demo: ChildProcess | undefined
let exited: Promise<void> = Promise.resolve()
let output = ''
let url = ''

/** Stops the demo as Ctrl-C would (SIGTERM to its group): it stops `next start` and whatever it forked. */
async function stop() {
  if (!demo || demo.exitCode !== null || demo.signalCode !== null) return
  try {
    process.kill(-demo.pid!, 'SIGTERM')
  } catch {
    // Already gone.
  }
  await exited
}

beforeAll(async () => {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    output = ''
    const child = spawn(process.execPath, ['scripts/demo.mjs', '--port', String(port), '--host', '127.0.0.1'], {
      cwd: repo,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    demo = child
    exited = new Promise((resolve) => child.once('exit', () => resolve()))
    child.stdout?.on('data', (chunk) => (output += chunk))
    child.stderr?.on('data', (chunk) => (output += chunk))
    await until(
      () => output.includes(`use-next-sse demo: ${url}`) || child.exitCode !== null,
      'the demo to serve',
      230_000,
    )
    if (child.exitCode === null) return
    // The port may have been taken between the probe and `next start`: try another one.
    if (attempt < 3 && /is port \d+ free/.test(output)) continue
    throw new Error(`the demo exited with ${child.exitCode}:\n${output}`)
  }
})

afterAll(async () => {
  await stop()
  rmSync(bin, { recursive: true, force: true })
})

describe('the demo, with no Chromium, redis-server or nginx on the machine', { timeout: 60_000 }, () => {
  test('none of them can be found by the set-up either (the check cannot pass vacuously)', () => {
    expect(status({ PATH: bin, SSE_SYSTEM_PATH: bin }).map((s) => [s.program.name, s.path])).toEqual(
      PROGRAMS.map((program) => [program.name, undefined]),
    )
  })

  test('serves its first page and every example page; the chat runs on the in-memory backplane', async () => {
    expect(output).toContain('chat rooms on the in-memory backplane')
    const home = await fetch(url)
    expect(home.status).toBe(200)
    const html = await home.text()
    expect(html).toContain('Server-Sent Events, live')
    const links = [...html.matchAll(/class="card demo-card" href="([^"]+)"/g)].map((m) => m[1])
    expect(links.length).toBeGreaterThan(5)
    for (const href of links) expect((await fetch(`${url}${href}`)).status, href).toBe(200)
  })

  test('a chat message reaches a reader of the room', async () => {
    const room = `demo-${Date.now()}`
    const source = new EventSource(`${url}/api/chat/${room}`, { reconnect: false })
    try {
      const received: string[] = []
      source.addEventListener('message', (event) => received.push(JSON.parse(event.data).text))
      await new Promise<void>((resolve) => source.addEventListener('open', () => resolve()))
      const response = await fetch(`${url}/api/chat/${room}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'demo-test', text: 'hello without Redis' }),
      })
      expect(response.status).toBe(200)
      await until(() => received.length > 0, 'the chat message', 30_000)
      expect(received).toEqual(['hello without Redis'])
    } finally {
      source.close()
    }
  })

  test('stops with everything it started when asked to (SIGTERM)', async () => {
    await stop()
    expect(output).toContain('Stopping the demo')
    await expect(fetch(url)).rejects.toThrow()
  })
})
