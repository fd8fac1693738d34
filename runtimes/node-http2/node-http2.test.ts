/**
 * The contract app behind `node:http2` (h2c on a loopback port) through the package's Node adapter, as
 * `http2.createServer(toNodeHandler(handler))`, consumed with Node's HTTP/2 client over ONE session:
 * every stream of the run shares one connection, as a browser's do, so a disconnect is a stream reset
 * (RST_STREAM), not a closed socket. The server and the client are in ./http2.ts, shared with the TLS suite.
 */
import type { ClientHttp2Session } from 'node:http2'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { open } from '../contract/client'
import { leaveTogether } from '../contract/scenarios'
import { session as connect, http2Target, type Listening, listen, runH2Contract } from './http2'

runH2Contract('node-http2')

describe('node-http2: one connection', () => {
  let started: Listening
  let session: ClientHttp2Session
  beforeAll(async () => {
    started = await listen()
    session = await connect(started.url)
  })
  afterAll(async () => {
    session.destroy()
    await started.close()
  })

  test('twenty streams on one session, reset at once, each run their cleanup exactly once', async () => {
    await leaveTogether(http2Target(session), `h2-${Date.now()}`, 20, 'abort')
    expect(started.sessions()).toBe(1)
  })

  test('a stream has no connection-specific headers, and Node warns about none', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.message)
    process.on('warning', onWarning)
    try {
      const stream = await open(http2Target(session), 'custom', { id: `h2-headers-${Date.now()}` })
      await stream.toEnd()
      for (const name of ['connection', 'keep-alive', 'transfer-encoding']) {
        expect(stream.response.header(name)).toBeNull()
      }
      expect(stream.events.map((e) => e.data)).toEqual(['"hello"'])
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).toEqual([])
  })
})
