/**
 * The three things each framework fixture must show with the handler of ./events.ts mounted in it: the
 * events stream (and the server's close() ends the body and runs the cleanup once), a reconnect resumes
 * after `Last-Event-ID`, and a client that leaves an idle stream runs the cleanup exactly once, which
 * only happens if the framework passes the disconnect on to the handler.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { closeAll, httpTarget, open, type Target } from '../contract/client'
import { poll } from '../harness/poll'

export interface Fixture {
  /** Starts the app; `url` is where its `/events` and `/cleanups` routes live. */
  start(): Promise<{ url: string; stop(): Promise<void> | void }>
}

let counter = 0

/** Waits for `count` cleanups of `id`, then checks a few times that no other one follows. */
async function cleanupsOf(target: Target, id: string, count: number): Promise<void> {
  const cleanups = () => target.json<{ count: number }>('cleanups', { id })
  await poll(cleanups, (c) => c.count >= count, `${count} cleanup(s) of ${id}`)
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect((await cleanups()).count).toBe(count)
  }
}

/**
 * Registers the framework's tests.
 *
 * @example
 * ```ts
 * frameworkSuite('express', { async start() { … return { url, stop } } })
 * ```
 */
export function frameworkSuite(name: string, fixture: Fixture): void {
  describe(name, () => {
    let started: Awaited<ReturnType<Fixture['start']>> | undefined
    let target: Target
    const id = () => `${name}-${++counter}`
    beforeAll(async () => {
      started = await fixture.start()
      target = httpTarget(started.url)
    }, 60_000)
    afterEach(closeAll)
    afterAll(async () => {
      await closeAll()
      await started?.stop()
    })

    test('streams the events; close() ends the body and runs the cleanup once', async () => {
      const connection = id()
      const stream = await open(target, 'events', { id: connection, count: '3' })
      expect(stream.response.status).toBe(200)
      expect(stream.response.header('content-type')).toBe('text/event-stream')
      await stream.toEnd()
      expect(stream.events.map((e) => [e.event, e.id, e.data])).toEqual([
        ['tick', '1', '{"n":1}'],
        ['tick', '2', '{"n":2}'],
        ['tick', '3', '{"n":3}'],
      ])
      await cleanupsOf(target, connection, 1)
    })

    test('a reconnect with Last-Event-ID resumes after it', async () => {
      const stream = await open(target, 'events', { id: id(), count: '2' }, { 'Last-Event-ID': '41' })
      await stream.toEnd()
      expect(stream.events.map((e) => e.id)).toEqual(['42', '43'])
    })

    test('a client that leaves an idle stream runs the cleanup exactly once', async () => {
      const connection = id()
      // One tick at once, then nothing for a minute: the disconnect must come through the framework.
      const stream = await open(target, 'events', { id: connection, interval: '60000' })
      await stream.eventCount(1)
      stream.abort()
      await cleanupsOf(target, connection, 1)
    })
  })
}
