/**
 * The handler called in-process, as a framework would: a Web `Request` in, a `Response` out. Extra
 * arguments after the request stand in for a framework's (they reach `context.args`).
 */
import { expect } from 'vitest'
import { handle } from '../contract/app'
import { opened, type Target, urlOf } from '../contract/client'
import { runContract } from '../contract/scenarios'

const base = 'http://contract.test'

const target: Target = {
  async open(route, query, headers, method) {
    const aborter = new AbortController()
    const request = new Request(urlOf(base, route, query), { method, headers, signal: aborter.signal })
    return opened(await handle(request, 'extra', 42), aborter)
  },
  async json(route, query) {
    return (await handle(new Request(urlOf(base, route, query)))).json()
  },
}

runContract({
  name: 'node',
  connectionHeader: true,
  start: async () => ({ target, stop: async () => {} }),
  args: (seen) =>
    expect(seen).toEqual([
      { type: 'string', value: 'extra' },
      { type: 'number', value: 42 },
    ]),
})
