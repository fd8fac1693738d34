/**
 * One timer per interval for every open connection, instead of one timer per connection: 10,000
 * idle clients cost one `setInterval`, not 10,000. A connection that wrote anything since the last
 * tick is skipped, so busy streams carry no keep-alive bytes at all.
 */
export interface KeepAliveTarget {
  /** Set by every write; cleared by each tick. */
  wrote: boolean
  keepAlive(): void
}

interface Ticker {
  timer: ReturnType<typeof setInterval>
  members: Set<KeepAliveTarget>
}

const tickers = new Map<number, Ticker>()

function tick(members: Set<KeepAliveTarget>): void {
  for (const member of members) {
    if (member.wrote) member.wrote = false
    else member.keepAlive()
  }
}

/** Adds `target` to the shared ticker for `interval` ms; the timer starts with the first member. */
export function watch(interval: number, target: KeepAliveTarget): void {
  let ticker = tickers.get(interval)
  if (ticker === undefined) {
    const members = new Set<KeepAliveTarget>()
    const timer = setInterval(tick, interval, members)
    // Node: an idle keep-alive timer must not keep a process alive that has nothing else to do.
    ;(timer as { unref?: () => void }).unref?.()
    ticker = { timer, members }
    tickers.set(interval, ticker)
  }
  ticker.members.add(target)
}

/** Removes `target`; the timer stops with the last member, so nothing lingers after the last client. */
export function unwatch(interval: number, target: KeepAliveTarget): void {
  const ticker = tickers.get(interval)
  if (ticker === undefined || !ticker.members.delete(target) || ticker.members.size > 0) return
  clearInterval(ticker.timer)
  tickers.delete(interval)
}

/** Connections currently watched, per interval; for tests and diagnostics. */
export function watchedCount(interval: number): number {
  return tickers.get(interval)?.members.size ?? 0
}
