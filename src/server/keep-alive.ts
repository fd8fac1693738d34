/**
 * One timer per interval for every open connection, instead of one timer per connection: 10,000
 * idle clients cost one `setInterval`, not 10,000. A target that wrote anything since the last tick
 * skips it, so busy streams carry no keep-alive bytes at all.
 *
 * Except where timers may belong to a request. workerd (verified on 2026-04-26) ties a timer to the
 * request that created it: the timer dies when that request ends, so the connections that joined it
 * stop getting keep-alives; and a streaming response with nothing pending in its own request (its
 * keep-alive living in another request's timer) is cancelled at once as "hung", with no `abort` and no
 * `cancel()`, so its cleanup never runs. Node's timers belong to the process, and say so by having
 * `unref()`; a runtime whose `setInterval` returns a bare number gives no such promise, so there each
 * connection gets its own timer.
 */
export interface KeepAliveTarget {
  /** One interval passed: write a comment if the target was silent since the last tick. */
  tick(): void
}

interface Ticker {
  interval: number
  timer: ReturnType<typeof setInterval>
  members: Set<KeepAliveTarget>
}

/** The shared tickers, one per interval (runtimes with process-wide timers). */
const tickers = new Map<number, Ticker>()
/** One ticker per connection (runtimes whose timers may be request-scoped). */
const own = new Map<KeepAliveTarget, Ticker>()
/** Whether timers are process-wide; learnt from the first timer created. */
let shared: boolean | undefined

function tick(members: Set<KeepAliveTarget>): void {
  for (const member of members) member.tick()
}

/** Adds `target` to the shared ticker for `interval` ms; the timer starts with the first member. */
export function watch(interval: number, target: KeepAliveTarget): void {
  let ticker = shared === false ? undefined : tickers.get(interval)
  if (ticker === undefined) {
    const members = new Set<KeepAliveTarget>()
    const timer = setInterval(tick, interval, members)
    const unref = (timer as { unref?: () => void }).unref
    shared ??= typeof unref === 'function'
    ticker = { interval, timer, members }
    if (shared) {
      // Node: an idle keep-alive timer must not keep a process alive that has nothing else to do.
      unref?.call(timer)
      tickers.set(interval, ticker)
    } else {
      own.set(target, ticker)
    }
  }
  ticker.members.add(target)
}

/** Removes `target`; the timer stops with the last member, so nothing lingers after the last client. */
export function unwatch(interval: number, target: KeepAliveTarget): void {
  const mine = own.get(target)
  const ticker = mine ?? tickers.get(interval)
  if (ticker === undefined || !ticker.members.delete(target) || ticker.members.size > 0) return
  clearInterval(ticker.timer)
  if (mine) own.delete(target)
  else tickers.delete(interval)
}

/** Connections currently watched, per interval; for tests and diagnostics. */
export function watchedCount(interval: number): number {
  let count = tickers.get(interval)?.members.size ?? 0
  for (const ticker of own.values()) if (ticker.interval === interval) count += ticker.members.size
  return count
}
