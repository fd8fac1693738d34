import { DurableObject } from 'cloudflare:workers'
import {
  type AttachOptions,
  type Channel,
  type ChannelData,
  type ChannelOptions,
  createChannel,
  type PublishOptions,
  type Retention,
} from '../channels'
import { checkEvent } from '../core'
import { createSSEHandler, type SSEHandlerOptions } from '../server'
import { createSqlBackplane, type SqlBackplane } from './sql-backplane'

/**
 * Settings of a {@link ChannelObject}, set by overriding its `options` field in a subclass.
 *
 * @example
 * ```ts
 * export class Rooms extends ChannelObject {
 *   override options = { maxEvents: 500, maxAge: 3_600_000, sse: { keepAlive: 10_000 } }
 * }
 * ```
 */
export interface ChannelObjectOptions extends Retention {
  /** What a connection resuming from an id older than the history receives; as in `createChannel`. Defaults to a `gap` event. */
  onGap?: ChannelOptions['onGap']
  /**
   * Options of the SSE responses (`keepAlive`, `retry`, `headers`, `cors`, `maxBufferSize`, `onError`), as
   * `createSSEHandler` takes them. Keep `keepAlive` on: workerd notices that a client left only when it
   * next writes to it, so the keep-alive comment is what frees a departed subscriber.
   */
  sse?: SSEHandlerOptions
}

interface State {
  backplane: SqlBackplane
  channel: Channel
  retention: Retention
  handler: (request: Request) => Response
}

const LINE_BREAK = /[\r\n]/

/**
 * A Durable Object that hosts one channel: bind it in wrangler.toml (a SQLite-backed class) and reach
 * it by the channel's name with {@link channelOf}, so that every Worker isolate, wherever it runs,
 * publishes to and subscribes through the same object. Subscribers' SSE streams are held by the object
 * (its `fetch`); events are stored in its SQLite storage before they are delivered, with ids that keep
 * increasing across evictions and restarts and a bounded history (`maxEvents`, `maxAge`), so a client
 * reconnecting with `Last-Event-ID` gets exactly what it missed, or the `gap` signal when that is gone.
 *
 * An object with an open SSE stream stays in memory and is billed for its duration: unlike WebSockets,
 * a streamed response cannot hibernate. With no subscriber left it holds no timer, so it can be evicted.
 *
 * Subclass it to set {@link ChannelObjectOptions} (`options`), a per-subscriber filter
 * ({@link ChannelObject.filterFor}), or to add your own RPC methods.
 *
 * @example
 * ```ts
 * // worker.ts
 * import { ChannelObject, channelOf } from 'use-next-sse/cloudflare'
 * export { ChannelObject }
 * export default {
 *   async fetch(request: Request, env: { CHANNELS: DurableObjectNamespace<ChannelObject> }) {
 *     const room = new URL(request.url).pathname.split('/').pop() ?? 'lobby'
 *     if (request.method === 'POST') {
 *       const id = await channelOf(env.CHANNELS, room).publish(await request.json(), { event: 'message' })
 *       return Response.json({ id })
 *     }
 *     return channelOf(env.CHANNELS, room).subscribe(request)
 *   },
 * }
 * ```
 */
export class ChannelObject<T = any, Env = unknown> extends DurableObject<Env> {
  /** This object's settings; override the field in a subclass. Read when the object first serves a call. */
  protected options: ChannelObjectOptions = {}
  #state: State | undefined

  /** Set up on first use: a subclass's `options` field is assigned only after this class's constructor. */
  #ready(): State {
    if (this.#state) return this.#state
    const storage = this.ctx.storage
    const backplane = createSqlBackplane(storage)
    const { maxEvents, maxAge, onGap, sse } = this.options
    const channel = createChannel({ name: 'channel', backplane, maxEvents, maxAge, onGap })
    const handler = createSSEHandler((_send, _close, context) => {
      channel.attach(context, { filter: this.filterFor(context.request) })
    }, sse)
    this.#state = { backplane, channel, retention: { maxEvents, maxAge }, handler }
    return this.#state
  }

  /**
   * Answers a subscriber with the channel's SSE stream, resumed from its `Last-Event-ID` (header, or the
   * `lastEventId` query parameter). `HEAD` and `OPTIONS` get their answers without a stream.
   *
   * @example
   * ```ts
   * return env.CHANNELS.get(env.CHANNELS.idFromName('lobby')).fetch(request) // what channelOf().subscribe does
   * ```
   */
  override fetch(request: Request): Response {
    return this.#ready().handler(request)
  }

  /**
   * Serialises `data` once, stores it and delivers it to every subscriber; resolves with its id. Refuses
   * data with no JSON form and an event name with CR or LF with a `TypeError`, storing nothing. For
   * code inside the object (an alarm, your own RPC method); Workers use {@link channelOf}, which checks
   * and serialises in the caller instead of sending the value over RPC.
   *
   * @example
   * ```ts
   * export class Ticker extends ChannelObject {
   *   override async alarm() {
   *     await this.publish({ at: Date.now() }, { event: 'tick' })
   *   }
   * }
   * ```
   */
  publish(data: ChannelData<T>, options?: PublishOptions): Promise<string> {
    return this.#ready().channel.publish(data, options)
  }

  /**
   * Stores and delivers an event whose data is already JSON text (what {@link channelOf}'s `publish`
   * sends over RPC); returns its id. The text must be one line: a CR or LF would end the SSE field early.
   *
   * @example
   * ```ts
   * const id = await stub.append('{"text":"hi"}', 'message')
   * ```
   */
  append(json: string, event?: string): string {
    if (typeof json !== 'string' || LINE_BREAK.test(json)) {
      throw new TypeError('Invalid data: append() takes one line of JSON text (what JSON.stringify returns).')
    }
    const { backplane, retention } = this.#ready()
    const stored: { data: string; event?: string } = { data: json }
    if (event !== undefined && event !== '') stored.event = checkEvent(event)
    return backplane.publish('channel', stored, retention) as string
  }

  /**
   * How many subscribers this object holds now. A method, not `Channel`'s `size` property: over RPC
   * every answer is a promise (`await stub.size()`, or `await channelOf(env.CHANNELS, room).size()`).
   *
   * @example
   * ```ts
   * const online = await env.CHANNELS.get(env.CHANNELS.idFromName('lobby')).size()
   * ```
   */
  size(): number {
    return this.#state?.channel.size ?? 0
  }

  /**
   * The newest id issued, `null` before the first publish.
   *
   * @example
   * ```ts
   * const last = await env.CHANNELS.get(env.CHANNELS.idFromName('lobby')).lastId()
   * ```
   */
  lastId(): string | null {
    return this.#ready().backplane.lastId()
  }

  /**
   * The filter for one subscriber, from its request: return a function to deliver only the events it
   * returns true for (it sees each event's parsed data once per event), or `undefined` for all events.
   * Override in a subclass; authorise in your Worker before forwarding the request.
   *
   * @example
   * ```ts
   * export class Feeds extends ChannelObject<{ topic: string }> {
   *   override filterFor(request: Request) {
   *     const topic = new URL(request.url).searchParams.get('topic')
   *     return topic === null ? undefined : (data: { topic: string }) => data.topic === topic
   *   }
   * }
   * ```
   */
  filterFor(_request: Request): AttachOptions<T>['filter'] | undefined {
    return undefined
  }
}
