/**
 * The contract app inside a real Next.js app (`next build` + `next start`, see global-setup.ts), once
 * as a Node.js-runtime route handler and once as an edge-runtime one.
 */
import { describe, expect, inject, test } from 'vitest'
import { httpTarget, open } from '../contract/client'
import { type Runtime, runContract } from '../contract/scenarios'

function nextRuntime(runtime: 'node' | 'edge'): Runtime {
  return {
    name: `next-${runtime}`,
    connectionHeader: true,
    start: async () => ({ target: httpTarget(`${inject('nextUrl')}/api/contract/${runtime}`), stop: async () => {} }),
    // Next hands route handlers `{ params }`, a promise since Next 15.
    args: (seen) => expect(seen).toEqual([{ type: 'object', keys: ['params'], params: { route: 'args' } }]),
  }
}

runContract(nextRuntime('node'))
runContract(nextRuntime('edge'))

describe('a route written as a user writes it', () => {
  test('imports the root entry and streams until close()', async () => {
    const stream = await open(httpTarget(`${inject('nextUrl')}/api/contract`), 'user', {})
    expect(stream.response.header('content-type')).toBe('text/event-stream')
    expect(stream.response.header('cache-control')).toBe('no-cache, no-transform')
    await stream.toEnd()
    expect(stream.events.map((e) => [e.event, e.data])).toEqual([
      ['counter', '{"count":0}'],
      ['counter', '{"count":1}'],
      ['counter', '{"count":2}'],
    ])
  })
})
