import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/*
 * The server of the cross-tab browser tests (tests/client and tests/react): a node:http server (HTTP/1.1,
 * as `next start` and `next dev` speak) with SSE routes that have a history. A request with
 * `Last-Event-ID: n` gets every event after n, then live ones; one without gets live ones only (a fresh
 * connection). The test emits the events, so it knows every id each tab must end with. Every SSE request
 * is logged with the tab that made it (the `x-tab` header, from a `headers` function, which runs in the
 * tab that connects), its `Last-Event-ID`, when it came and whether it has ended.
 */

export const repo = fileURLToPath(new URL('../..', import.meta.url))

/** One SSE request as the server saw it. */
export interface SSERequest {
  tab: string | null
  lastEventId: string | null
  /** When it arrived (Date.now()). */
  at: number
  ended: boolean
}

/** One SSE route: its history (the count of events emitted), its live responses, and the requests it got. */
export interface Route {
  path: string
  emitted: number
  live: Set<ServerResponse>
  requests: SSERequest[]
}

export interface TabServer {
  origin: string
  /** A new route, its own for one test. */
  route(): Route
  /** Sends the next event to every live response of `route`; returns its id. */
  emit(route: Route): number
  close(): Promise<void>
}

/**
 * Starts the server. `frame(id)` is the wire text of event `id`; `serve` answers any other request (the
 * page, its scripts) and returns false for a 404.
 */
export async function startTabServer(
  frame: (id: number) => string,
  serve: (url: URL, res: ServerResponse) => boolean,
): Promise<TabServer> {
  const routes = new Map<string, Route>()
  let count = 0

  const sse = (route: Route, req: IncomingMessage, res: ServerResponse): void => {
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : null)
    const request: SSERequest = {
      tab: header('x-tab'),
      lastEventId: header('last-event-id'),
      at: Date.now(),
      ended: false,
    }
    route.requests.push(request)
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
    res.write(': open\n\n')
    if (request.lastEventId !== null) {
      for (let id = Number(request.lastEventId) + 1; id <= route.emitted; id++) res.write(frame(id))
    }
    route.live.add(res)
    res.on('close', () => {
      route.live.delete(res)
      request.ended = true
    })
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://server')
    const route = routes.get(url.pathname)
    if (route) sse(route, req, res)
    else if (url.pathname === '/favicon.ico') res.writeHead(204).end()
    else if (!serve(url, res)) res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route() {
      const route: Route = { path: `/sse/${++count}`, emitted: 0, live: new Set(), requests: [] }
      routes.set(route.path, route)
      return route
    },
    emit(route) {
      const id = ++route.emitted
      for (const res of route.live) res.write(frame(id))
      return id
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The newest modification time below `path`. */
function newest(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/** Throws unless every `files` of dist/ exists and is newer than src/: pages that run a stale build prove nothing. */
export function assertBuilt(files: string[]): void {
  const built = files.map((file) => join(repo, 'dist', file))
  if (!built.every(existsSync) || Math.min(...built.map(newest)) < newest(join(repo, 'src'))) {
    throw new Error('dist/ is missing or older than src/: run `npm run build` first.')
  }
}
