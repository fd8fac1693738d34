import type { PublishFunction, PublishOptions } from '../channels'
import { checkEvent, toJSON } from '../core'

/**
 * What {@link channelOf} needs of a Durable Object namespace binding (`env.CHANNELS`): a
 * `DurableObjectNamespace` bound to a {@link ChannelObject} class fits.
 *
 * @example
 * ```ts
 * interface Env {
 *   CHANNELS: DurableObjectNamespace<ChannelObject> // assignable to ChannelNamespace
 * }
 * ```
 */
export interface ChannelNamespace {
  idFromName(name: string): unknown
  /** Takes what `idFromName` returned (a `DurableObjectId`, a type this package does not name: hence `never`). */
  get(id: never): { fetch(request: Request): Promise<Response> }
}

/** The RPC methods of a ChannelObject stub that {@link channelOf} calls. */
interface ChannelStub {
  fetch(request: Request): Promise<Response>
  append(json: string, event?: string): Promise<string>
  size(): Promise<number>
  lastId(): Promise<string | null>
}

/**
 * A channel hosted by a {@link ChannelObject}, as a Worker sees it: `publish` and `subscribe` from any
 * isolate reach the one object that holds the channel's subscribers and history.
 *
 * @example
 * ```ts
 * const lobby: RemoteChannel<Message> = channelOf(env.CHANNELS, 'lobby')
 * const online = await lobby.size()
 * ```
 */
export interface RemoteChannel<T = any> {
  /** The channel's name (the Durable Object's name). */
  readonly name: string
  /**
   * Serialises `data` here, in the caller, then stores and delivers it through the object; resolves with
   * the event's id once it is stored. Data with no JSON form and an event name with CR or LF are refused
   * with a `TypeError` before anything is sent. A channel with no subscriber still stores the event.
   */
  publish: PublishFunction<T>
  /**
   * The SSE response for `request`, streamed from the object: the events after the request's
   * `Last-Event-ID` (header or `lastEventId` query parameter), then every live event. Authorise the
   * request in your Worker first: the object serves whatever reaches it.
   */
  subscribe(request: Request): Promise<Response>
  /** How many subscribers the object holds now. */
  size(): Promise<number>
  /** The newest id issued, `null` before the first publish. */
  lastId(): Promise<string | null>
}

/**
 * The channel `name`, hosted by the {@link ChannelObject} of that name in `namespace` (`idFromName`),
 * so every Worker isolate that names the same channel reaches the same object.
 *
 * @example
 * ```ts
 * const room = channelOf(env.CHANNELS, 'lobby')
 * await room.publish({ text: 'hi' }, { event: 'message' }) // from a POST handler, a queue, a cron
 * return room.subscribe(request)                            // from the GET handler: the SSE response
 * ```
 */
export function channelOf<T = any>(namespace: ChannelNamespace, name: string): RemoteChannel<T> {
  if (typeof namespace?.idFromName !== 'function') {
    throw new TypeError('channelOf expects a Durable Object namespace binding: channelOf(env.CHANNELS, name).')
  }
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`Invalid channel name ${JSON.stringify(name)}: use a non-empty string.`)
  }
  const stub = namespace.get(namespace.idFromName(name) as never) as unknown as ChannelStub
  const publish = async (data: unknown, options: PublishOptions = {}): Promise<string> => {
    // Checked and serialised here: a refused value throws in the caller's code, with the caller's stack,
    // and only JSON text crosses to the object (RPC would structured-clone a Date or a Map differently).
    const json = toJSON(data)
    const event = options.event === undefined || options.event === '' ? undefined : checkEvent(options.event)
    return stub.append(json, event)
  }
  return {
    name,
    publish: publish as PublishFunction<T>,
    subscribe: (request) => stub.fetch(request),
    size: () => stub.size(),
    lastId: () => stub.lastId(),
  }
}
