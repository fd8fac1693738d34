/**
 * Helpers of the packaging checks. Packing and fixture projects live in runtimes/harness/package.ts,
 * shared with the framework fixtures of runtimes/frameworks; here a fixture's `template` is the name of
 * a folder under ./fixtures/.
 */
import { readFileSync, realpathSync } from 'node:fs'
import { join, parse, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import {
  createFixture as createFixtureIn,
  type Fixture,
  type FixtureOptions,
  repoModules,
} from '../../runtimes/harness/package'

export {
  bin,
  type Fixture,
  installedPackage,
  pinned,
  quietEnv,
  type RunResult,
  repo,
  run,
} from '../../runtimes/harness/package'

/**
 * Creates a fixture project in a fresh temp folder and installs the tarball into it with npm;
 * `template` names a folder under tests/package/fixtures/ to copy in.
 */
export function createFixture(name: string, tarball: string, options: FixtureOptions = {}): Promise<Fixture> {
  const template = options.template && fileURLToPath(new URL(`./fixtures/${options.template}`, import.meta.url))
  return createFixtureIn(name, tarball, { ...options, template })
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
