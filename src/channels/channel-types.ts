/*
 * A channel's public shapes: its options, what attach and publish take, and the Channel itself. The
 * implementation is ./channel.ts.
 */
import type { EventName, EventsOf, HasHandle } from '../core'
import type { Backplane, Retention } from './backplane'

/** What a channel tells a connection whose `Last-Event-ID` is older than its history. */
export interface GapInfo {
  /** The id the client resumed from. */
  lastEventId: string
  /** The oldest id still retained, from which the client was replayed; `null` when nothing is retained. */
  oldestId: string | null
}

/** Options of {@link createChannel}. */
export interface ChannelOptions extends Retention {
  /** The channel's name: channels with the same name on the same backplane are one stream. Defaults to `'default'`. */
  name?: string
  /** Where events live and travel. Defaults to a process-wide in-memory backplane. */
  backplane?: Backplane
  /**
   * Called when a connection resumes from an id the history no longer covers. The connection still
   * receives everything retained, then live events. Defaults to sending the connection a `gap` event
   * with {@link GapInfo} as data, so the client knows to refetch its state.
   */
  onGap?: (info: GapInfo, send: (event: string, data: unknown) => void) => void
}

/** Options of {@link Channel.attach}. */
/**
 * The data a channel carries: `T` itself, or, for an event map (`SSEEvents<M>`, a typed handler), the
 * data of any of its events.
 */
export type ChannelData<T> = [EventsOf<T>] extends [never] ? T : EventsOf<T>[EventName<EventsOf<T>>]

/**
 * A channel's `publish`. With a data type `T`: `publish(data: T, { event? })`. With an event map, the
 * event name must be one of the map's and the data its type (no name means `message`).
 *
 * @example
 * ```ts
 * const room = createChannel<SSEEvents<{ message: Message; typing: { user: string } }>>()
 * await room.publish(message)                          // a `message` event
 * await room.publish({ user: 'ada' }, { event: 'typing' })
 * ```
 */
export type PublishFunction<T> = [EventsOf<T>] extends [never]
  ? (data: T, options?: PublishOptions) => Promise<string>
  : <K extends EventName<EventsOf<T>> = Extract<'message', EventName<EventsOf<T>>>>(
      data: EventsOf<T>[K],
      options?: PublishOptions & { event?: K },
    ) => Promise<string>

export interface AttachOptions<T> {
  /** Delivers only the events this returns true for (it sees the published value, parsed once per event). */
  filter?: (data: ChannelData<T>, event: { id: string; event?: string }) => boolean
  /** Where to resume from. Defaults to the request's `Last-Event-ID` (`context.lastEventId`). */
  lastEventId?: string | null
}

/** Options of {@link Channel.publish}. */
export interface PublishOptions {
  /** The SSE event type. Defaults to `message`. Must not contain CR or LF. */
  event?: string
}

/** A broadcast stream with history; see {@link createChannel}. */
export interface Channel<T = any> {
  readonly name: string
  /** Connections attached on this instance. */
  readonly size: number
  /**
   * Attaches an SSE connection: it first receives the events after its `Last-Event-ID` (no gap, no
   * duplicate, even when a publish races the attach), then every live event. It detaches by itself
   * when the connection closes; the returned function detaches it earlier.
   */
  attach(context: HasHandle & { lastEventId: string | null }, options?: AttachOptions<T>): () => void
  /** Serialises `data` once, stores it and delivers it to every attached connection everywhere; resolves with its id. */
  publish: PublishFunction<T>
}
