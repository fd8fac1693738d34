/**
 * The handler mounted in h3 2 (the server of Nuxt and Nitro): an h3 event carries the Web `Request` as
 * `event.req`, and a handler may return a `Response`, so it mounts as it is. Served by h3's own `serve`
 * (srvx's Node adapter), as an h3 user runs it.
 */
import { H3, serve } from 'h3'
import { ticks } from './events'
import { frameworkSuite } from './suite'

frameworkSuite('h3', {
  async start() {
    const { handler, countOf } = ticks()
    const app = new H3()
    app.get('/events', (event) => handler(event.req))
    app.get('/cleanups', (event) => countOf(event.url.searchParams.get('id')))
    const server = serve(app, { port: 0, hostname: '127.0.0.1', silent: true })
    await server.ready()
    return { url: server.url!.replace(/\/$/, ''), stop: () => server.close(true) }
  },
})
