import { afterEach, describe, expect, it, vi } from 'vitest'
import { backoff } from '../../src/client'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('backoff', () => {
  it('grows by factor from delay, capped at maxDelay (no jitter)', () => {
    const policy = { delay: 100, factor: 3, maxDelay: 1000, jitter: 0 }
    expect([1, 2, 3, 4, 5].map((n) => backoff(policy, n))).toEqual([100, 300, 900, 1000, 1000])
  })

  it('defaults to 1000 ms doubling up to 30 s, with half of each wait random', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect([1, 2, 6, 9].map((n) => backoff({}, n))).toEqual([1000, 2000, 30_000, 30_000])
    vi.spyOn(Math, 'random').mockReturnValue(1)
    expect(backoff({}, 1)).toBe(500)
  })

  it('takes up to `jitter` of each wait off at random', () => {
    const random = vi.spyOn(Math, 'random')
    random.mockReturnValue(0.5)
    expect(backoff({ delay: 1000, jitter: 0.2 }, 1)).toBe(900)
    random.mockReturnValue(0.999)
    expect(backoff({ delay: 1000, jitter: 1 }, 1)).toBeCloseTo(1, 0)
  })

  it('never waits less than the server asked with retry:', () => {
    expect(backoff({ delay: 100, jitter: 0 }, 1, 5000)).toBe(5000)
    expect(backoff({ delay: 10_000, jitter: 0 }, 1, 5000)).toBe(10_000)
  })

  it('gives up past maxAttempts', () => {
    const policy = { maxAttempts: 2, jitter: 0 }
    expect(backoff(policy, 2)).toBe(2000)
    expect(backoff(policy, 3)).toBe(false)
    expect(backoff({ maxAttempts: 0 }, 1)).toBe(false)
    expect(backoff({}, 1e6)).not.toBe(false)
  })
})
