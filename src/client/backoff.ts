/**
 * Capped exponential backoff with jitter, the object form of `EventSourceInit.reconnect`.
 *
 * The wait before reconnection attempt `n` (1 for the first after a failure) is
 * `min(maxDelay, delay * factor ** (n - 1))`, shortened by up to `jitter` of itself at random so that
 * many clients dropped together do not return together, and never below the server's `retry:`.
 *
 * @example
 * ```ts
 * new EventSource('/api/feed', { reconnect: { delay: 500, maxDelay: 10_000, maxAttempts: 8 } })
 * ```
 */
export interface ReconnectPolicy {
  /** The first wait, in ms. Defaults to 1000. */
  delay?: number
  /** The longest wait, in ms. Defaults to 30000. */
  maxDelay?: number
  /** How much each consecutive failure multiplies the wait. Defaults to 2; 1 keeps it constant. */
  factor?: number
  /** The fraction of each wait that is randomised, from 0 (none) to 1. Defaults to 0.5. */
  jitter?: number
  /**
   * How many reconnection attempts in a row may fail before giving up with `MAX_ATTEMPTS`; the count
   * starts again once a connection proves healthy by staying open 5 s, not on a mere 200 (nor on an
   * event: a server may send one and close at once). Defaults to `Infinity`.
   */
  maxAttempts?: number
}

/**
 * A custom policy: returns the wait in ms before reconnection attempt `attempt` (1 for the first after
 * a failure; it starts again once a connection stayed open 5 s), or `false` to give up (the source
 * closes with `MAX_ATTEMPTS`). `serverRetry` is the last `retry:` the server sent, if any. The answer is clamped to 2^31 - 1 ms. If it throws, the source closes for good with an
 * `SSEError` `CALLBACK_FAILED` whose `cause` is the thrown value.
 *
 * @example
 * ```ts
 * const reconnect: ReconnectFunction = (attempt, serverRetry) =>
 *   attempt > 3 ? false : Math.max(serverRetry ?? 0, attempt * 1000)
 * ```
 */
export type ReconnectFunction = (attempt: number, serverRetry: number | undefined) => number | false

/**
 * The wait before reconnection attempt `attempt` under `policy`, or `false` past `maxAttempts`.
 *
 * @example
 * ```ts
 * backoff({ delay: 1000, jitter: 0 }, 3) // 4000
 * backoff({ maxAttempts: 2 }, 3)         // false
 * backoff({ delay: 100, jitter: 0 }, 1, 5000) // 5000: never below the server's retry
 * ```
 */
export function backoff(policy: ReconnectPolicy, attempt: number, serverRetry?: number): number | false {
  const { delay = 1000, maxDelay = 30_000, factor = 2, jitter = 0.5, maxAttempts = Infinity } = policy
  if (attempt > maxAttempts) return false
  const wait = Math.min(maxDelay, delay * factor ** (attempt - 1)) * (1 - jitter * Math.random())
  return Math.max(wait, serverRetry ?? 0)
}
