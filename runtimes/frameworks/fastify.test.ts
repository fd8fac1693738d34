/**
 * The handler mounted in Fastify 5: `reply.hijack()` tells Fastify that the route writes the raw
 * response itself (no serialisation, no `onSend` hooks, no second reply), then the package's Node
 * adapter serves the raw `req`/`res`, so the client's disconnect reaches the handler as with node:http.
 */
import Fastify from 'fastify'
import { toNodeHandler } from 'use-next-sse/node'
import { ticks } from './events'
import { frameworkSuite } from './suite'

frameworkSuite('fastify', {
  async start() {
    const { handler, countOf } = ticks()
    const app = Fastify()
    const serve = toNodeHandler(handler)
    app.get('/events', (request, reply) => {
      reply.hijack()
      return serve(request.raw, reply.raw)
    })
    app.get<{ Querystring: { id?: string } }>('/cleanups', async (request) => countOf(request.query.id))
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, stop: () => app.close() }
  },
})
