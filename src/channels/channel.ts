import {
  type ConnectionHandle,
  checkEvent,
  encodeEventLine,
  encodeJSONEvent,
  encodeStoredEvent,
  HANDLE,
  type HasHandle,
  SSEError,
  toJSON,
} from '../core'
import type { Backplane, BackplaneEvent, HistoryResult, Retention } from './backplane'
import type { AttachOptions, Channel, ChannelOptions, GapInfo, PublishOptions } from './channel-types'
import { createMemoryBackplane } from './memory'

interface Member {
  handle: ConnectionHandle
  filter: AttachOptions<any>['filter']
  /** Live events held back while this member's history is being replayed. */
  pending: BackplaneEvent[] | undefined
  /**
   * The newest id this connection already has, while live delivery may still lag behind it (this
   * instance's reader behind the history it replayed, or behind the instance the client came from).
   */
  after: string | undefined
}

const encoder = new TextEncoder()
let sharedBackplane: Backplane | undefined

function defaultOnGap(info: GapInfo, send: (event: string, data: unknown) => void): void {
  send('gap', info)
}

class ChannelImpl implements Channel<any> {
  readonly name: string
  private readonly backplane: Backplane
  private readonly retention: Retention
  private readonly onGap: NonNullable<ChannelOptions['onGap']>
  private readonly members = new Set<Member>()
  /** Filters see the parsed value: parsed once per event, not once per connection. */
  private readonly parsed = new WeakMap<BackplaneEvent, { value: unknown }>()
  private unsubscribe: (() => void) | undefined
  /** Live events of this turn, not yet delivered (see deliver()). */
  private batch: BackplaneEvent[] = []

  constructor(options: ChannelOptions) {
    this.name = options.name ?? 'default'
    sharedBackplane ??= createMemoryBackplane()
    this.backplane = options.backplane ?? sharedBackplane
    this.retention = { maxEvents: options.maxEvents, maxAge: options.maxAge }
    this.onGap = options.onGap ?? defaultOnGap
  }

  get size(): number {
    return this.members.size
  }

  attach(context: HasHandle & { lastEventId: string | null }, options: AttachOptions<any> = {}): () => void {
    const handle = context[HANDLE]
    if (handle === undefined) {
      throw new TypeError('channel.attach expects the context of a createSSEHandler callback: attach(context).')
    }
    const member: Member = { handle, filter: options.filter, pending: undefined, after: undefined }
    const detach = () => this.detach(member)
    if (!handle.open) return detach
    this.members.add(member)
    handle.defer(detach)
    // Subscribe before reading history: the backplane promises that the live feed starts no later than
    // a history read made afterwards, so the two overlap rather than leave a hole (the overlap is deduped).
    this.unsubscribe ??= this.backplane.subscribe(this.name, (event) => this.deliver(event))
    const lastEventId = options.lastEventId === undefined ? context.lastEventId : options.lastEventId
    if (lastEventId !== null && lastEventId !== '') {
      member.pending = []
      member.after = lastEventId
      // An id the backplane says is not one of its own (another store, a restart, garbage) has no
      // position to resume from: ask for what is retained, which the replay reports as a gap.
      const position = this.backplane.isId?.(lastEventId) === false ? null : lastEventId
      let history: HistoryResult | Promise<HistoryResult>
      try {
        history = this.backplane.history(this.name, position, this.retention)
      } catch (error) {
        history = Promise.reject(error)
      }
      if (typeof (history as Promise<HistoryResult>).then === 'function') {
        ;(history as Promise<HistoryResult>).then(
          (result) => this.replay(member, lastEventId, result),
          (error) => {
            handle.report(new SSEError('BACKPLANE', `Reading the history of "${this.name}" failed.`, { cause: error }))
            // Without its history the client cannot resume: close so that it retries, rather than skip events.
            handle.close()
          },
        )
      } else {
        this.replay(member, lastEventId, history as HistoryResult)
      }
    }
    return detach
  }

  async publish(data: unknown, options: PublishOptions = {}): Promise<string> {
    const event: Omit<BackplaneEvent, 'id'> = { data: toJSON(data) }
    if (options.event !== undefined && options.event !== '') event.event = checkEvent(options.event)
    return this.backplane.publish(this.name, event, this.retention)
  }

  /**
   * Writes the history a resuming member missed, then the live events held back meanwhile. Never
   * throws: it may run in a promise callback, where a throw (an `onGap` that throws, an event name it
   * sends that is refused) would become an unhandled rejection and crash Node.
   */
  private replay(member: Member, lastEventId: string, { events, complete }: HistoryResult): void {
    const { handle } = member
    if (!handle.open) return
    if (!complete) {
      try {
        this.onGap({ lastEventId, oldestId: events[0]?.id ?? null }, (event, data) =>
          handle.write(encodeJSONEvent(encodeEventLine(event), toJSON(data))),
        )
      } catch (error) {
        handle.report(error)
      }
      member.after = undefined // a foreign or expired id orders nothing
    }
    const pending = member.pending ?? []
    member.pending = undefined
    for (const e of [...events, ...pending]) {
      if (member.after !== undefined && this.backplane.compare(e.id, member.after) <= 0) continue
      this.write(member, e, encodeStoredEvent(e))
      // Kept as the newest id delivered: this instance's live feed may still bring events up to it.
      member.after = e.id
    }
  }

  /**
   * Live events are gathered for the rest of the turn and delivered together: encoded once, the same
   * bytes to every member that takes them all, so K events published in one turn (a Redis `XREAD` brings
   * up to 1,000) cost one write per connection, not K.
   */
  private deliver(e: BackplaneEvent): void {
    if (this.batch.push(e) === 1) queueMicrotask(this.flush)
  }

  private readonly flush = (): void => {
    const events = this.batch
    this.batch = []
    let text: string | undefined
    let bytes: Uint8Array | undefined
    for (const member of this.members) {
      if (member.pending) {
        member.pending.push(...events)
        continue
      }
      // A member that takes every event of the batch gets the shared bytes; others get their own text.
      // Most members (no filter, not resuming) take them all: no call for them, in a loop over thousands.
      const own = member.after === undefined && !member.filter ? events : this.select(member, events)
      if (own === events) {
        text ??= events.map(encodeStoredEvent).join('')
        bytes ??= encoder.encode(text)
        member.handle.write(text, bytes)
      } else if (own.length > 0) {
        member.handle.write(own.map(encodeStoredEvent).join(''))
      }
    }
  }

  /** The events of a batch this member should get: all of them (the same array), or a subset. */
  private select(member: Member, events: BackplaneEvent[]): BackplaneEvent[] {
    let from = 0
    if (member.after !== undefined) {
      // Live events are ordered: the first one the member does not have ends the check.
      while (from < events.length && this.backplane.compare((events[from] as BackplaneEvent).id, member.after) <= 0) {
        from++
      }
      if (from < events.length) member.after = undefined
    }
    if (!member.filter) return from === 0 ? events : events.slice(from)
    const kept: BackplaneEvent[] = []
    for (let i = from; i < events.length; i++) {
      const e = events[i] as BackplaneEvent
      if (this.keep(member, e)) kept.push(e)
    }
    return kept.length === events.length ? events : kept
  }

  /** Writes one replayed event, if the member's filter keeps it. */
  private write(member: Member, e: BackplaneEvent, text: string): void {
    if (this.keep(member, e)) member.handle.write(text)
  }

  /** Whether the member's filter keeps `e`; a filter that throws is reported and skips the event. */
  private keep(member: Member, e: BackplaneEvent): boolean {
    if (!member.filter) return true
    try {
      let entry = this.parsed.get(e)
      if (entry === undefined) {
        entry = { value: e.data === '' ? undefined : JSON.parse(e.data) }
        this.parsed.set(e, entry)
      }
      return member.filter(entry.value, e.event === undefined ? { id: e.id } : { id: e.id, event: e.event })
    } catch (error) {
      member.handle.report(error)
      return false
    }
  }

  private detach(member: Member): void {
    if (!this.members.delete(member) || this.members.size > 0) return
    // The last connection left: stop listening, so an idle channel holds nothing and costs nothing.
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }
}

/**
 * Creates a channel: a named stream of events that any code publishes to (a POST handler, a timer,
 * another instance through Redis) and that SSE connections attach to. Every event gets an increasing
 * id and the channel keeps a bounded history, so a client that reconnects with `Last-Event-ID`
 * receives exactly what it missed, then live events. Each event is encoded once and the same bytes go
 * to every connection.
 *
 * @example
 * ```ts
 * // lib/chat.ts
 * import { createChannel } from 'use-next-sse/server'
 * export const lobby = createChannel<Message>({ name: 'lobby', maxEvents: 500 })
 *
 * // app/api/chat/route.ts
 * export const GET = createSSEHandler((send, close, context) => {
 *   lobby.attach(context) // resumes from Last-Event-ID, detaches on disconnect
 * })
 * export async function POST(request: Request) {
 *   const id = await lobby.publish(await request.json(), { event: 'message' })
 *   return Response.json({ id })
 * }
 * ```
 */
export function createChannel<T = any>(options: ChannelOptions = {}): Channel<T> {
  for (const key of ['maxEvents', 'maxAge'] as const) {
    const value = options[key]
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new TypeError(`Invalid ${key} ${String(value)}: use a positive integer.`)
    }
  }
  return new ChannelImpl(options) as Channel<T>
}
