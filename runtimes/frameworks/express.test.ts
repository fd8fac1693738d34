/** The handler mounted in Express 5 through the package's Node adapter, as the README shows it. */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { toNodeHandler } from 'use-next-sse/node'
import { ticks } from './events'
import { frameworkSuite } from './suite'

frameworkSuite('express', {
  async start() {
    const { handler, countOf } = ticks()
    const app = express()
    app.get('/events', toNodeHandler(handler))
    app.get('/cleanups', (req, res) => {
      res.json(countOf(req.query.id as string))
    })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      stop() {
        server.closeAllConnections()
        server.close()
      },
    }
  },
})
