import { type } from 'arktype'
import * as v from 'valibot'
import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { createSSEStore, isSSEError, type SSEOptions, type SSEStore, type StandardSchema } from '../../src/client'
import { hold, testScope, until } from './helpers'

/*
 * The `schema` option (src/client/schema.ts, applied in store.ts) with the real schema libraries that
 * implement Standard Schema: parsed data is validated, a failure is an SSEError `VALIDATION` with the
 * issues in `error` (never a throw), the last valid data stays, and the next valid event clears the error.
 */
const { cleanup, serve } = testScope()

function subscribe<T>(options: SSEOptions<T>): SSEStore<T> {
  const store = createSSEStore<T>(options)
  cleanup.push(store.subscribe(() => {}))
  return store
}

/** Writes more of the stream to the open response(s), as a server that sends later does. */
function writeTo(server: { open: Set<{ write(text: string): unknown }> }, text: string) {
  expect(server.open.size).toBe(1)
  for (const res of server.open) res.write(text)
}

const events = (...data: string[]) => data.map((d, i) => `id: ${i + 1}\ndata: ${d}\n\n`).join('')

const libraries: [string, StandardSchema<unknown, { count: number }>][] = [
  ['zod', z.object({ count: z.number() })],
  ['valibot', v.object({ count: v.number() })],
  ['arktype', type({ count: 'number' })],
]

describe.each(libraries)('schema option with %s', (_name, schema) => {
  it('keeps valid data, reports invalid data as VALIDATION with issues, and clears it on the next valid event', async () => {
    const server = await serve(hold(events('{"count":1}', '{"count":"two"}')))
    const errors: unknown[] = []
    const store = subscribe({ url: server.url, schema, onError: (e) => errors.push(e) })
    await until(() => expect(store.getSnapshot().error).not.toBeNull())
    const { data, error, lastEventId } = store.getSnapshot()
    expect(data).toEqual({ count: 1 })
    expect(lastEventId).toBe('1') // the refused event does not move it
    expect(isSSEError(error, 'VALIDATION')).toBe(true)
    expect(error?.issues?.length).toBeGreaterThan(0)
    expect(error?.message).toMatch(/^Invalid "message" data: count/)
    expect(errors).toEqual([error])
    writeTo(server, events('{"count":3}').replace('id: 1', 'id: 3'))
    await until(() => expect(store.getSnapshot()).toMatchObject({ data: { count: 3 }, error: null, lastEventId: '3' }))
  })
})

describe('schema option', () => {
  it('passes on what the schema returns (a transform), not the raw data', async () => {
    const server = await serve(hold(events('{"at":"2026-12-03T00:00:00Z"}')))
    const schema = z.object({ at: z.string().transform((s) => Date.parse(s)) })
    const store = subscribe({ url: server.url, schema })
    await until(() => expect(store.getSnapshot().data).toEqual({ at: Date.parse('2026-12-03T00:00:00Z') }))
  })

  it('validates asynchronously without letting a later event overtake an earlier one', async () => {
    // Each check takes longer than the one after it: without the queue, the results would land reversed.
    let delay = 30
    const slow: StandardSchema<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          delay -= 10
          const wait = delay
          return new Promise((resolve) =>
            setTimeout(
              () => resolve(typeof value === 'number' ? { value } : { issues: [{ message: 'not a number' }] }),
              Math.max(wait, 0),
            ),
          )
        },
      },
    }
    const server = await serve(hold(events('1', '2', '3')))
    const seen: number[] = []
    const store = subscribe<number>({ url: server.url, schema: slow, onMessage: (n) => seen.push(n) })
    await until(() => expect(seen).toEqual([1, 2, 3]))
    expect(store.getSnapshot()).toMatchObject({ data: 3, lastEventId: '3', error: null })
  })

  it('an async schema failure, then a valid event, in order', async () => {
    const schema = z.number().refine(async (n) => n > 0, 'must be positive')
    const server = await serve(hold(events('-1')))
    const store = subscribe({ url: server.url, schema })
    await until(() => expect(store.getSnapshot().error?.code).toBe('VALIDATION'))
    expect(store.getSnapshot().error?.message).toContain('must be positive')
    writeTo(server, 'data: 5\n\n')
    await until(() => expect(store.getSnapshot()).toMatchObject({ data: 5, error: null }))
  })

  it('a schema that throws is reported as VALIDATION with the thrown value as cause, never thrown on', async () => {
    const boom = new Error('schema bug')
    const throwing: StandardSchema = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw boom
        },
      },
    }
    const rejecting: StandardSchema = {
      '~standard': { version: 1, vendor: 'test', validate: () => Promise.reject(boom) },
    }
    for (const schema of [throwing, rejecting]) {
      const server = await serve(hold(events('1')))
      const store = subscribe({ url: server.url, schema })
      await until(() => expect(store.getSnapshot().error?.code).toBe('VALIDATION'))
      expect(store.getSnapshot().error?.cause).toBe(boom)
      expect(store.getSnapshot().data).toBeNull()
    }
  })

  it('takes one schema per event name, and leaves names without one unchecked', async () => {
    const body = 'event: a\ndata: {"n":"x"}\n\nevent: b\ndata: {"n":"x"}\n\n'
    const server = await serve(hold(body))
    const schema = { a: z.object({ n: z.number() }) }
    const a = subscribe({ url: server.url, eventName: 'a', schema })
    const b = subscribe({ url: server.url, eventName: 'b', schema })
    await until(() => expect(a.getSnapshot().error?.code).toBe('VALIDATION'))
    await until(() => expect(b.getSnapshot().data).toEqual({ n: 'x' }))
    expect(b.getSnapshot().error).toBeNull()
  })

  it('drops a pending async result once the store is closed', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const gated: StandardSchema = {
      '~standard': { version: 1, vendor: 'test', validate: (value) => gate.then(() => ({ value })) },
    }
    const onMessage = vi.fn()
    const server = await serve(hold(events('1')))
    const store = createSSEStore({ url: server.url, schema: gated, onMessage })
    const unsubscribe = store.subscribe(() => {})
    await until(() => expect(server.requests).toHaveLength(1))
    // The event has arrived once the request is served and a tick has passed; then leave.
    await new Promise((resolve) => setTimeout(resolve, 20))
    unsubscribe()
    release()
    await gate
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(onMessage).not.toHaveBeenCalled()
    expect(store.getSnapshot()).toMatchObject({ data: null, connectionState: 'closed' })
  })
})
