/**
 * The Hono app of the Hono fixtures: the same file runs on Node (@hono/node-server, in hono.test.ts) and
 * on Bun (`Bun.serve({ fetch: app.fetch })`, in hono-bun.ts).
 */
import { Hono } from 'hono'
import { ticks } from './events'

/**
 * A Hono app with the SSE handler at `/events`.
 *
 * @example
 * ```ts
 * serve({ fetch: honoApp().fetch, port: 3000 })
 * ```
 */
export function honoApp(): Hono {
  const { handler, countOf } = ticks()
  const app = new Hono()
  app.get('/events', (c) => handler(c.req.raw))
  app.get('/cleanups', (c) => c.json(countOf(c.req.query('id'))))
  return app
}
