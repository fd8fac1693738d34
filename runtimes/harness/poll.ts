/**
 * Waiting on something the test cannot be told about (a cleanup in another process, a count over
 * HTTP, a page's text), by polling. One loop, two contracts: {@link poll} resolves with the value that
 * passed, {@link until} only says that a condition came true. Both fail with what they were waiting
 * for once the deadline passes: a generous bound, never a timing assertion.
 */

/** The default bound: generous, since these machines have 2 cores and run several suites at once. */
export const DEADLINE = 10_000

/** Between two probes: short enough not to slow a test down, long enough not to load the machine. */
const INTERVAL = 25

const pause = () => new Promise((resolve) => setTimeout(resolve, INTERVAL))

/**
 * Calls `probe` until `accept` takes its value, and resolves with that value. A probe that throws
 * counts as "not yet" (a server still starting refuses connections); an `accept` that throws (an
 * assertion) fails at once. On the deadline the error names `what` and the last value or failure.
 *
 * @example
 * ```ts
 * const log = await poll(() => logOf(target, id), (log) => log?.cleanups.length === 1, 'the cleanup')
 * ```
 */
export async function poll<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeout = DEADLINE,
): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    let value: T
    try {
      value = await probe()
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; the last probe failed: ${(error as Error)?.message}`)
      }
      await pause()
      continue
    }
    if (accept(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`)
    await pause()
  }
}

/**
 * Resolves once `check` returns (or resolves) true; {@link poll} without a value to hand back.
 *
 * @example
 * ```ts
 * await until(() => cleanup.mock.calls.length > 0, 'the cleanup')
 * ```
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what = 'condition',
  timeout = DEADLINE,
): Promise<void> {
  await poll(check, (done) => done, what, timeout)
}
