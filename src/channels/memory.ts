import type { Backplane, BackplaneEvent, Retention } from './backplane'

interface Stored extends BackplaneEvent {
  seq: number
  at: number
}

interface Topic {
  /** Every id of this topic starts with it: the process's epoch and the topic's incarnation. */
  prefix: string
  seq: number
  /** A ring would save the occasional shift, but trimming is amortised: see trim(). */
  events: Stored[]
  listeners: Set<(event: BackplaneEvent) => void>
  /** The `maxAge` of the last publish, so history can expire without another publish. */
  maxAge: number | undefined
}

/** Options of {@link createMemoryBackplane}. */
export interface MemoryBackplaneOptions {
  /**
   * How many topics without listeners keep their history. Past it, the one idle the longest is
   * forgotten (a client resuming there later gets the `gap` signal). Per-user or per-document rooms come
   * and go: without a cap each would hold its history forever. Defaults to 10000.
   */
  maxIdleTopics?: number
}

const DEFAULT_MAX_EVENTS = 1000
/** `<epoch>.<incarnation>-<sequence>`. */
const ID = /^[0-9a-z]+\.[0-9a-z]+-\d{1,15}$/
const sequence = (id: string) => (ID.test(id) ? Number(id.slice(id.lastIndexOf('-') + 1)) : Number.NaN)
const DEFAULT_MAX_IDLE_TOPICS = 10_000
/** How often history is expired by `maxAge` without a publish, at most. */
const SWEEP_INTERVAL = 30_000

/**
 * The default backplane: one process, no dependencies, synchronous delivery. Ids look like
 * `k3x9a1.0-42`: a per-process epoch, the topic's incarnation and a sequence, so an id from before a
 * restart (or from another instance, or from a topic that was forgotten and made again) is recognised as
 * foreign and reported as a gap instead of being misread as a position.
 *
 * Memory stays bounded as rooms come and go: a topic with neither listeners nor history is forgotten at
 * once; history older than its `maxAge` is dropped within 30 s even if nothing is published again; and at
 * most `maxIdleTopics` topics without listeners keep history.
 *
 * @example
 * ```ts
 * const backplane = createMemoryBackplane({ maxIdleTopics: 1000 })
 * const a = createChannel({ name: 'news', backplane })
 * const b = createChannel({ name: 'news', backplane }) // same stream as `a`
 * ```
 */
export function createMemoryBackplane(options: MemoryBackplaneOptions = {}): Backplane {
  const { maxIdleTopics = DEFAULT_MAX_IDLE_TOPICS } = options
  if (!(Number.isSafeInteger(maxIdleTopics) && maxIdleTopics >= 0)) {
    throw new TypeError(`Invalid maxIdleTopics ${String(maxIdleTopics)}: use a non-negative integer.`)
  }
  const epoch = Math.random().toString(36).slice(2, 8)
  let incarnations = 0
  const topics = new Map<string, Topic>()
  /** Topics without listeners, the longest idle first (a Map keeps insertion order). */
  const idle = new Map<string, Topic>()
  let nextSweep = Date.now() + SWEEP_INTERVAL
  let timer: ReturnType<typeof setTimeout> | undefined

  const seqOf = (t: Topic | undefined, id: string) =>
    t !== undefined && id.startsWith(t.prefix) ? Number(id.slice(t.prefix.length)) : Number.NaN

  const topic = (name: string): Topic => {
    let t = topics.get(name)
    if (t === undefined) {
      t = {
        prefix: `${epoch}.${(incarnations++).toString(36)}-`,
        seq: 0,
        events: [],
        listeners: new Set(),
        maxAge: undefined,
      }
      topics.set(name, t)
    }
    return t
  }

  const forget = (name: string, t: Topic) => {
    if (topics.get(name) === t) topics.delete(name)
    idle.delete(name)
  }

  /** A topic without listeners: forgotten if it holds nothing, else the newest idle one (evicting past the cap). */
  const rest = (name: string, t: Topic) => {
    if (t.events.length === 0) return forget(name, t)
    idle.delete(name)
    idle.set(name, t)
    for (const [oldest, o] of idle) {
      if (idle.size <= maxIdleTopics) break
      forget(oldest, o)
    }
  }

  const expired = (t: Topic, now: number) => {
    if (t.maxAge === undefined) return 0
    const oldest = now - t.maxAge
    let drop = 0
    while (drop < t.events.length && (t.events[drop] as Stored).at < oldest) drop++
    return drop
  }

  /** Drops expired history everywhere; forgets idle topics left with nothing. */
  const sweep = () => {
    const now = Date.now()
    nextSweep = now + SWEEP_INTERVAL
    for (const [name, t] of topics) {
      const drop = expired(t, now)
      if (drop > 0) t.events.splice(0, drop)
      if (t.listeners.size === 0 && t.events.length === 0) forget(name, t)
    }
    arm()
  }

  /**
   * Sweeps are driven two ways: an unref'd timer where timers belong to the process (Node), and any
   * call that finds the sweep overdue, where timers may belong to a request that has ended (workerd).
   */
  const arm = () => {
    if (timer !== undefined || topics.size === 0) return
    timer = setTimeout(() => {
      timer = undefined
      sweep()
    }, SWEEP_INTERVAL)
    ;(timer as { unref?: () => void }).unref?.()
  }
  const tend = () => {
    if (Date.now() >= nextSweep) sweep()
    else arm()
  }

  const trim = (t: Topic, { maxEvents = DEFAULT_MAX_EVENTS }: Retention) => {
    let drop = Math.max(0, t.events.length - maxEvents)
    drop = Math.max(drop, expired(t, Date.now()))
    // Splicing one event per publish would shift the whole array each time: drop in batches instead,
    // letting the history overshoot by at most 1/8 between trims. history() still honours the limits.
    if (drop > 0 && (drop > maxEvents >> 3 || drop === t.events.length)) {
      t.events.splice(0, drop)
    }
  }

  return {
    publish(name, event, retention) {
      const t = topic(name)
      const seq = ++t.seq
      const stored: Stored = { id: t.prefix + seq, data: event.data, seq, at: Date.now() }
      if (event.event !== undefined) stored.event = event.event
      t.events.push(stored)
      t.maxAge = retention.maxAge
      trim(t, retention)
      if (t.listeners.size === 0) rest(name, t)
      for (const listener of t.listeners) listener(stored)
      tend()
      return stored.id
    },
    subscribe(name, listener) {
      const t = topic(name)
      t.listeners.add(listener)
      idle.delete(name)
      tend()
      return () => {
        if (t.listeners.delete(listener) && t.listeners.size === 0) rest(name, t)
      }
    },
    history(name, afterId, { maxEvents = DEFAULT_MAX_EVENTS, maxAge }) {
      const t = topics.get(name)
      const stored = t?.events ?? []
      const oldest = maxAge === undefined ? 0 : Date.now() - maxAge
      let start = Math.max(0, stored.length - maxEvents)
      while (start < stored.length && (stored[start] as Stored).at < oldest) start++
      const retained = stored.slice(start)
      const seq = afterId === null ? Number.NaN : seqOf(t, afterId)
      const last = t?.seq ?? 0
      if (!Number.isSafeInteger(seq) || seq < 0 || seq > last) return { events: retained, complete: false }
      const firstSeq = retained.length > 0 ? (retained[0] as Stored).seq : last + 1
      // Complete when nothing between afterId and the oldest retained event was dropped.
      return { events: retained.filter((e) => e.seq > seq), complete: seq >= firstSeq - 1 }
    },
    // Ids of one channel share its prefix: comparing the sequences is enough (NaN for a foreign id).
    compare: (a, b) => sequence(a) - sequence(b),
    isId: (id) => ID.test(id),
  }
}
