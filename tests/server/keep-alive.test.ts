import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSSEHandler } from '../../src/server'
import { watchedCount } from '../../src/server/keep-alive'
import { sseReader } from '../helpers/sse'

afterEach(() => {
  vi.useRealTimers()
})

const request = () => new Request('http://localhost/')

describe('keep-alive', () => {
  it('shares one timer between connections and stops it with the last one', async () => {
    vi.useFakeTimers()
    const handler = createSSEHandler(() => {}, { keepAlive: 1000 })
    const a = handler(request())
    const b = handler(request())
    expect(watchedCount(1000)).toBe(2)
    expect(vi.getTimerCount()).toBe(1)
    await a.body!.cancel()
    expect(watchedCount(1000)).toBe(1)
    expect(vi.getTimerCount()).toBe(1)
    await b.body!.cancel()
    expect(watchedCount(1000)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('writes a comment on a connection that was silent for a whole interval, and only there', async () => {
    vi.useFakeTimers()
    let sendBusy!: (d: unknown) => boolean
    const handler = createSSEHandler(() => {}, { keepAlive: 1000 })
    const busyHandler = createSSEHandler(
      (send) => {
        sendBusy = send
      },
      { keepAlive: 1000 },
    )
    const idle = sseReader(handler(request()).body!)
    const busy = sseReader(busyHandler(request()).body!)
    await idle.pump() // the first flush
    await busy.pump()
    // Tick 1 only clears the "wrote" mark the first flush set; tick 2 finds the idle one silent.
    vi.advanceTimersByTime(1000)
    sendBusy('work')
    vi.advanceTimersByTime(1000)
    sendBusy('work')
    await idle.pump()
    await busy.pump()
    expect(idle.text()).toBe(':\n\n:\n\n')
    expect(busy.comments).toEqual([''])
    expect(busy.events).toHaveLength(2)
    await idle.cancel()
    await busy.cancel()
  })

  it('keeps working for a second connection after the first one (which started the timer) closed', async () => {
    vi.useFakeTimers()
    const handler = createSSEHandler(() => {}, { keepAlive: 500 })
    const first = handler(request())
    const second = sseReader(handler(request()).body!)
    await second.pump()
    await first.body!.cancel()
    vi.advanceTimersByTime(1000)
    await second.pump()
    expect(second.text()).toBe(':\n\n:\n\n')
    await second.cancel()
  })

  it('is off with false', () => {
    vi.useFakeTimers()
    const response = createSSEHandler(() => {}, { keepAlive: false })(request())
    expect(vi.getTimerCount()).toBe(0)
    return response.body!.cancel()
  })
})
