/**
 * `fetchMetrics()` for the README's dashboard: a small simulated service living in the server process.
 * Its traffic drifts as a random walk around a daily-looking curve; the dashboards watching it count as
 * active users, so opening a tab moves the number.
 */
export interface Metrics {
  activeUsers: number
  requestsPerSecond: number
  errorRate: number
  /** When the sample was taken (ms since the epoch). */
  at: number
  /** The sample's number since the server started. */
  sample: number
}

let requests = 120
let errors = 0.8
let sample = 0
let watching = 0

/** Counts the dashboards connected right now (the route calls it on connect and in its cleanup). */
export function watchers(delta: number): void {
  watching = Math.max(0, watching + delta)
}

const drift = (value: number, step: number, min: number, max: number) =>
  Math.min(max, Math.max(min, value + (Math.random() - 0.5) * 2 * step))

export async function fetchMetrics(): Promise<Metrics> {
  // A real service would be asked over the network; this one answers after a short await, like one.
  await new Promise((resolve) => setTimeout(resolve, 20))
  const wave = Math.sin(Date.now() / 60_000) * 25
  requests = drift(requests, 18, 40, 320)
  errors = drift(errors, 0.35, 0, 5)
  sample++
  return {
    activeUsers: 37 + watching + Math.round(wave + Math.random() * 6),
    requestsPerSecond: Math.round((requests + wave) * 10) / 10,
    errorRate: Math.round(errors * 100) / 100,
    at: Date.now(),
    sample,
  }
}
