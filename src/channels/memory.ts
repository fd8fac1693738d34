import type { Backplane, BackplaneEvent, Retention } from './backplane'

interface Stored extends BackplaneEvent {
  seq: number
  at: number
}

interface Topic {
  seq: number
  /** A ring would save the occasional shift, but trimming is amortised: see trim(). */
  events: Stored[]
  listeners: Set<(event: BackplaneEvent) => void>
}

const DEFAULT_MAX_EVENTS = 1000

/**
 * The default backplane: one process, no dependencies, synchronous delivery. Ids look like
 * `k3x9a1-42`: a per-process prefix and a sequence, so an id from before a restart (or from another
 * instance) is recognised as foreign and reported as a gap instead of being misread as a position.
 *
 * @example
 * ```ts
 * const backplane = createMemoryBackplane()
 * const a = createChannel({ name: 'news', backplane })
 * const b = createChannel({ name: 'news', backplane }) // same stream as `a`
 * ```
 */
export function createMemoryBackplane(): Backplane {
  const epoch = Math.random().toString(36).slice(2, 8)
  const prefix = `${epoch}-`
  const topics = new Map<string, Topic>()

  const seqOf = (id: string) => (id.startsWith(prefix) ? Number(id.slice(prefix.length)) : Number.NaN)
  const isId = (id: string) => {
    const seq = seqOf(id)
    return Number.isSafeInteger(seq) && seq >= 0
  }

  const topic = (name: string): Topic => {
    let t = topics.get(name)
    if (t === undefined) {
      t = { seq: 0, events: [], listeners: new Set() }
      topics.set(name, t)
    }
    return t
  }

  const trim = (t: Topic, { maxEvents = DEFAULT_MAX_EVENTS, maxAge }: Retention) => {
    let drop = Math.max(0, t.events.length - maxEvents)
    if (maxAge !== undefined) {
      const oldest = Date.now() - maxAge
      while (drop < t.events.length && (t.events[drop] as Stored).at < oldest) drop++
    }
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
      const stored: Stored = { id: prefix + seq, data: event.data, seq, at: Date.now() }
      if (event.event !== undefined) stored.event = event.event
      t.events.push(stored)
      trim(t, retention)
      for (const listener of t.listeners) listener(stored)
      return stored.id
    },
    subscribe(name, listener) {
      const t = topic(name)
      t.listeners.add(listener)
      return () => {
        t.listeners.delete(listener)
        // A topic with neither listeners nor history is forgotten, so rooms that come and go leave nothing.
        if (t.listeners.size === 0 && t.events.length === 0) topics.delete(name)
      }
    },
    history(name, afterId, { maxEvents = DEFAULT_MAX_EVENTS, maxAge }) {
      const t = topics.get(name)
      const stored = t?.events ?? []
      const oldest = maxAge === undefined ? 0 : Date.now() - maxAge
      let start = Math.max(0, stored.length - maxEvents)
      while (start < stored.length && (stored[start] as Stored).at < oldest) start++
      const retained = stored.slice(start)
      const seq = afterId === null ? Number.NaN : seqOf(afterId)
      const last = t?.seq ?? 0
      if (!Number.isSafeInteger(seq) || seq < 0 || seq > last) return { events: retained, complete: false }
      const firstSeq = retained.length > 0 ? (retained[0] as Stored).seq : last + 1
      // Complete when nothing between afterId and the oldest retained event was dropped.
      return { events: retained.filter((e) => e.seq > seq), complete: seq >= firstSeq - 1 }
    },
    compare: (a, b) => seqOf(a) - seqOf(b),
    isId,
  }
}
