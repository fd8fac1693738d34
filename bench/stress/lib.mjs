/*
 * Shared helpers of the stress suite: flags, the server process every probe talks to, raw sockets on
 * loopback, polling, and the JSON shape a probe prints for run.mjs.
 *
 * A probe is a script run in its own `node --expose-gc` process (run.mjs starts it). It forks its own
 * server (server.mjs, also with --expose-gc) so that the server's heap figures hold only the server:
 * no client socket, parser or bookkeeping of the probe is counted in them.
 */
import { execFileSync, fork } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const QUICK = process.argv.includes('--quick')

/** `--name=value` as a number, else the quick or full default. */
export function size(name, quick, full) {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  if (raw === undefined) return QUICK ? quick : full
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}=${raw}: expected a non-negative number`)
  return value
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls `check` until it returns a truthy value or `timeout` ms pass; resolves with the last value
 * either way (a probe reports what it saw, it does not throw on a slow machine).
 */
export async function until(check, timeout, every = 50) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value || Date.now() >= deadline) return value
    await sleep(every)
  }
}

/**
 * Forks server.mjs with `config` and resolves once it listens. `call(cmd, args)` sends a command over
 * IPC and resolves with its answer (see server.mjs for the commands).
 */
export async function startServer(config = {}) {
  const child = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [JSON.stringify(config)], {
    cwd: ROOT,
    execArgv: ['--expose-gc', ...(config.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 0
  const waiting = new Map()
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the stress server exited with ${code} before listening`)))
    child.on('message', (message) => {
      if (message.port) resolve(message.port)
      const pending = waiting.get(message.id)
      if (pending) {
        waiting.delete(message.id)
        if (message.error) pending.reject(new Error(message.error))
        else pending.resolve(message.result)
      }
    })
  })
  return {
    port,
    pid: child.pid,
    call(cmd, args = {}) {
      const id = ++next
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        child.send({ id, cmd, ...args })
      })
    },
    /** Server-side counters and, with `gc`, the heap after a full collection. */
    stats(gc = false) {
      return this.call('stats', { gc })
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}

/**
 * Loopback source addresses to spread client sockets over. Every address has its own ephemeral port
 * range, so tens of thousands of sockets closed by the client (each leaving a TIME_WAIT entry for
 * 60 s on the client's port) cannot exhaust the ports of the next probe. Linux routes all of 127/8 to lo.
 */
const SOURCES = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 1}`)
let sourceIndex = 0
export const nextSource = () => SOURCES[sourceIndex++ % SOURCES.length]

/** The request line and headers of a plain SSE GET. */
export const get = (path) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`

/**
 * A raw TCP socket to the server that has sent `request` (a string, written as soon as it connects).
 * `received` counts body bytes after the response head; `headers` resolves when the head arrived;
 * `text()` is everything received so far (only kept when `keep` is set: 10,000 sockets keep nothing).
 */
export function rawClient(port, request, { keep = false, onData } = {}) {
  const socket = connect({ host: '127.0.0.1', port, localAddress: nextSource() })
  socket.setNoDelay(true)
  const client = { socket, bytes: 0, head: false, closed: false, error: undefined, chunks: keep ? [] : undefined }
  let headResolve
  client.headers = new Promise((resolve) => {
    headResolve = resolve
  })
  /** Resolves once connected and the request was handed to the kernel (false if the socket closed first). */
  client.sent = new Promise((resolve) => {
    socket.once('connect', () => (request ? socket.write(request, () => resolve(true)) : resolve(true)))
    socket.once('close', () => resolve(false))
  })
  let tail = ''
  socket.on('data', (data) => {
    client.bytes += data.length
    if (client.chunks) client.chunks.push(data)
    if (!client.head) {
      // A head is a few hundred bytes: the first 64 KiB of a chunk are enough to find its end.
      const seen = tail + data.toString('latin1', 0, 64 * 1024)
      if (seen.includes('\r\n\r\n')) {
        client.head = true
        headResolve(true)
      } else tail = seen.slice(-3)
    }
    onData?.(data, client)
  })
  socket.on('error', (error) => {
    client.error = error
  })
  socket.on('close', () => {
    client.closed = true
    headResolve(false)
  })
  client.text = () => Buffer.concat(client.chunks ?? []).toString('utf8')
  return client
}

/**
 * Opens `count` clients, at most `parallel` connecting at a time; resolves once `ready(client)` resolved
 * for every one (by default: its response head arrived, or it closed).
 */
export async function openClients(count, make, { parallel = 500, ready = (c) => c.headers } = {}) {
  const clients = []
  for (let i = 0; i < count; i += parallel) {
    const batch = []
    for (let j = i; j < Math.min(count, i + parallel); j++) batch.push(make(j))
    await Promise.all(batch.map(ready))
    clients.push(...batch)
  }
  return clients
}

/**
 * The bytes the kernel holds in the send queues of the server's sockets on `port` (`ss`'s Send-Q of
 * every connection whose local port is `port`), or undefined where `ss` is missing.
 */
export function kernelSendQueue(port) {
  try {
    // Open connections only: a TIME-WAIT entry left on a reused port by an earlier probe holds no bytes.
    const states = ['established', 'fin-wait-1', 'fin-wait-2', 'close-wait', 'last-ack', 'closing']
    const out = execFileSync('ss', ['-tnH', ...states.flatMap((s) => ['state', s]), `sport = :${port}`], {
      encoding: 'utf8',
    })
    let sum = 0
    let sockets = 0
    for (const line of out.trim().split('\n')) {
      // Recv-Q Send-Q Local Peer (with several states asked for, a State column comes first).
      const cols = line.trim().split(/\s+/)
      if (cols.length < 4) continue
      sum += Number(cols[cols.length - 3])
      sockets++
    }
    return { bytes: sum, sockets }
  } catch {
    return undefined
  }
}

/**
 * Prints a probe's result for run.mjs: `{ id, title, method: [...], figures: [[name, value]], checks:
 * [{ check, expected, measured, pass }], skipped?: reason }`. A check with `pass: undefined` is shown as
 * INFO (a figure with a stated expectation that does not decide the exit code).
 */
export function report(section) {
  process.stdout.write(`${JSON.stringify(section)}\n`)
}

// Formatting -------------------------------------------------------------------------------------------

export const fmt = (n, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits))
export const kb = (bytes) => (bytes === undefined ? '—' : `${fmt(bytes / 1024, 1)} KiB`)
export const mb = (bytes) => (bytes === undefined ? '—' : `${fmt(bytes / 1024 / 1024, 1)} MiB`)
/** Heap plus ArrayBuffers (socket buffers and encoded bytes live outside the JS heap). */
export const held = (m) => m.heapUsed + m.arrayBuffers
